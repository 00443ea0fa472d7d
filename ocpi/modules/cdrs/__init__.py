"""CDRs module (`cdrs`): Charge Detail Records, owned by the CPO."""
