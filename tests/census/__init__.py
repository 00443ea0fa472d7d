"""The census: every object, class and enum of the spec's tables checked against the Pydantic models."""
