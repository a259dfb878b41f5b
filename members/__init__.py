"""Groups and people: accounts, memberships, signatures, outreach, relationships."""
