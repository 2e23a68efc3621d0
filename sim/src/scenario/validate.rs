//! TODO(helper)
use super::{error::ScenarioErrors, raw::RawScenario, model::Scenario};
pub(crate) fn validate(_s: &str, _t: &str, _r: RawScenario) -> Result<Scenario, ScenarioErrors> { unimplemented!() }
