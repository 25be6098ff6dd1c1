"""The API's answers as Pydantic models, per area, so the OpenAPI schema describes them.

Each model keeps the JSON keys the API has always answered with (they are public
contracts, README and tests); the routes fill them from the services' typed results."""
