//! TODO(helper)
use super::{error::ScenarioErrors, model::Scenario, raw::RawScenario};
pub(crate) fn validate(_s: &str, _t: &str, _r: RawScenario) -> Result<Scenario, ScenarioErrors> {
    unimplemented!()
}
