"""Single sign-on against a real OpenID Connect provider (oidc-provider on a loopback port)."""
