"""Provider callbacks and IPNs: stored first, verified, never trusted alone to change a status."""
