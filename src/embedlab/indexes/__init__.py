"""Vector indexes for the deployment study: one contract, backends in a registry."""
