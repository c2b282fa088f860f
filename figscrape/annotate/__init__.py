"""The labeling app's logic, apart from Streamlit: the queue, saving labels, suggestions from
captions, agreement and progress. `app/` only draws pages over these."""
