//! The JSON wire format: the documented, versioned shapes of a comparison
//! ([`CompareReport`]) and of one replay ([`RunReport`]).
//!
//! These types are what every renderer reads, and what `--format json`
//! writes. They mirror the simulator's results field for field (the tests
//! check the shared fields serialize exactly as the simulator's own types
//! do), so the JSON Schemas generated from them (see [`crate::schema`])
//! describe the output exactly.
//!
//! Units are in the field names: `_seconds`, `_ms`; bare instants and
//! durations of a replay (`impact_start`, `mttr`, ...) are milliseconds of
//! virtual time, as the simulator counts them.

pub mod compare;
pub mod origin;
pub mod run;
pub mod scenario;

pub use compare::{CompareReport, QuantilePoint, StrategySummary, Sweep};
pub use origin::Origin;
pub use run::{RunReport, ScoreReport, ServiceSeriesReport, TimelineItem};
pub use scenario::ScenarioSummary;
