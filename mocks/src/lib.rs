//! HTTP fakes of the control plane a team uses during an incident —
//! GitHub, Argo CD, Argo Rollouts, Prometheus and Unleash — answering from
//! the simulated world, faithful enough for real clients.
//!
//! Each fake is one module. Its request handling is a pure function from a
//! request to a status and a JSON body, over state that lives in the
//! simulated world; [`server`] serves it over HTTP/1.1, a thin layer on
//! top.

pub mod access;
pub mod argocd;
pub mod client;
pub mod drill;
pub mod gameday;
pub mod github;
pub mod http;
pub mod journal;
pub mod prometheus;
pub mod prometheus_mount;
pub mod rollouts;
pub mod serve;
pub mod server;
pub mod session;
pub mod sim;
pub mod timebase;
pub mod unleash;
pub mod unleash_mount;
