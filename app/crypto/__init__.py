"""Personal information (SECURITY.md S19): masking for display now; SM4 encryption at rest is
designed in README.md ("Personal information at rest") but waits for an SM4 implementation."""
