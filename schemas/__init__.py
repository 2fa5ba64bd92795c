"""Models: the stored records, the catalogue (model and YAML), and the form models generated from the catalogue."""
