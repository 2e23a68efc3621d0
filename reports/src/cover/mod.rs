//! What a comparison's numbers cover, in the words every format shares:
//! - [`bounds`]: lower bounds marked `≥` (the censoring convention);
//! - [`counts`]: the header's coverage line and the replay counts table;
//! - [`paired`]: the paired answers against the baseline;
//! - [`seeds`]: the worst and the failed seeds with their commands;
//! - [`assumptions`]: the scenario's assumptions in brief.
//!
//! The convention for censoring, in every format: a number that a replay
//! not restored within the horizon enters (counted at the horizon, so its
//! true MTTR is longer) is a lower bound and is printed as `≥ 480.0`.
//! For a mean with its interval, the mean and both ends are marked.

pub mod assumptions;
pub mod bounds;
pub mod counts;
pub mod paired;
pub mod seeds;

pub use assumptions::{assumptions, step_label};
pub use bounds::{bounded, bounded_minutes, mean_with_ci, restored, LOWER_BOUND_LEGEND};
pub use counts::{count_cells, coverage, seeds, COUNT_HEADERS, COUNT_LEGEND};
pub use paired::{baseline_heading, paired_answer};
pub use seeds::{
    failed_rows, outcome_label, worst_rows, FAILED_HEADERS, FAILED_WITH_COMMAND, WORST_HEADERS,
};
