"""Build code of the repository (not installed with the library): what the documentation generates from the code."""
