//! The Unleash fake: feature flags that real Unleash SDKs and admin
//! clients accept, as pure code (no networking, no wiremock).
//!
//! Map:
//! * [`bucket`]: flexibleRollout bucketing, as the SDKs hash users
//!   (api-reference §7.3).
//! * [`state`]: [`FlagSet`], the features, their per-environment state and
//!   `is_enabled_for`.
//! * [`api`]: [`handle`], one HTTP request in, status and JSON body out
//!   (§7.1, §7.2).
//!
//! ```
//! use gameday_mocks::http::HttpRequest;
//! use gameday_mocks::unleash::{handle, Feature, FlagSet, Rollout};
//!
//! let mut flags = FlagSet::new();
//! flags.insert(Feature::new("checkout-v2").with_rollout(Rollout::new(40)?))?;
//! let token = "*:*.admin-secret";
//! let on = HttpRequest {
//!     method: "POST".into(),
//!     path: "/api/admin/projects/default/features/checkout-v2/environments/production/on".into(),
//!     headers: vec![("authorization".into(), token.into())],
//!     ..HttpRequest::default()
//! };
//! assert_eq!(handle(&on, &mut flags, token).status, 200);
//! // 40% of users see it in production, by the SDKs' own bucketing.
//! let on_for = (0..1000)
//!     .filter(|i| flags.is_enabled_for("checkout-v2", "production", &format!("user-{i}")))
//!     .count();
//! assert!((350..450).contains(&on_for));
//! assert!(!flags.is_enabled_for("checkout-v2", "development", "user-1"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod api;
pub mod bucket;
pub mod state;

pub use api::handle;
pub use bucket::{rollout_bucket, Rollout, RolloutError};
pub use state::{Feature, FlagError, FlagSet, Strategy};
