//! TODO(helper)
use super::error::ScenarioErrors;
pub(crate) struct RawScenario;
pub(crate) fn from_yaml(_s: &str, _t: &str) -> Result<RawScenario, ScenarioErrors> {
    unimplemented!()
}
