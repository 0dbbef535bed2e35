"""District geometry: the embedded layer and boundary files of one's own."""
