"""Views: parse the request, call one selector or service, render. No ORM here."""
