"""`figscrape export`: labels into a dataset people train on (COVID-CT or Hugging Face imagefolder layout)."""
