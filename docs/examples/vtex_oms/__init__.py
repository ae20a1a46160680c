"""A reference OMS of the VTEX flow and four buggy variants, for conformance testing."""
