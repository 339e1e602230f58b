"""One module per page: event (meetings), draft (preview, alternatives, downloads), banks, batch."""
