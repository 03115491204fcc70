"""Who is calling and what they may do: token verification against a cached JWKS, the caller,
and the one policy every service asks."""
