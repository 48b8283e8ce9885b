"""Bill previews: computing the bills a configuration produces, and rendering them."""
