"""Reading figure captions: patient facts per panel (facts.py) and the disease they name
(diagnosis.py). Floor code: pure text, used by annotate and by `figscrape inspect`."""
