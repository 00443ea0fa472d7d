"""Hub Client Info module (2.2.1 and 2.3.0, configuration): the parties connected to a Hub."""
