"""The REST API of django-momo (Django REST framework): payouts, payment requests, refunds."""
