"""Commands module: remote commands from the eMSP to a Charge Point via the CPO, with an asynchronous result."""
