//! The Prometheus HTTP API fake (to be written).
