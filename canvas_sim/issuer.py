"""The JWT issuer (``iss``) Canvas signs Live Events with: the signer's default, kept apart from
the crypto code so that the command line loads without it."""

DEFAULT_ISSUER = "https://live-events.canvas.instructure.com"
