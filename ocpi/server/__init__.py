"""The OCPI server: a FastAPI app whose routes are generic interface patterns bound per module x version x
role from each module's `interfaces.py`."""
