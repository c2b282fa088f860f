"""The Streamlit labeling app (installed as figscrape.app; started by `figscrape app`)."""
