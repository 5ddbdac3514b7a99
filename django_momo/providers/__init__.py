"""Provider clients: pure HTTP, no Django models, no ORM."""
