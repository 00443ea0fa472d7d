"""`make bench`: our node against extrawest-ocpi and a bare Starlette ceiling (see `benchmarks.run`)."""
