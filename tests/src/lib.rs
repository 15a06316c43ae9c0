//! Test harness: a real Directus on a free port, provisioned.
