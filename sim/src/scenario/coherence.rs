//! Third pass: checks of the scenario as a whole, run on the validated
//! model once every name resolves. A scenario that passes them tells a
//! story the engine can finish: nothing is wrong before the first fault,
//! and every fault has a fix that can cure it.
//!
//! - [`baselines_within_slo`]: a service whose good-day error ratio is
//!   already outside its SLO is unhealthy from the first instant
//!   ([`Service::within_slo`], the world's own definition), so the impact
//!   would start before any fault and no response could ever restore it;
//! - [`faults_curable`]: a fix cures a fault only by shipping a new build
//!   of the fault's service (a change builds every service that links a
//!   component it touches, and leaves the fault out of those builds). The
//!   team writes the `fix_touches` fix while the fault fails requests, the
//!   `calm_fix_touches` fix once it is contained (a flag off on its path,
//!   or a rollback when it came with the last release).
//!
//! Findings carry a field path; validation locates and reports them with
//! its other errors.

use super::model::*;

/// One problem with the scenario as a whole, at a field path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Finding {
    pub path: String,
    pub message: String,
    pub hint: String,
}

/// Every finding, in the order of the file's sections.
pub(crate) fn check(sc: &Scenario) -> Vec<Finding> {
    let mut out = baselines_within_slo(sc);
    out.extend(faults_curable(sc));
    out
}

/// A share as a scenario file writes it (`0.001`, not `0.0010000000000000009`).
fn share(x: f64) -> String {
    format!("{}", (x * 1e6).round() / 1e6)
}

/// Services failing more than their SLO allows on a good day.
pub(crate) fn baselines_within_slo(sc: &Scenario) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in &sc.services {
        let baseline = s.baseline_error.get();
        if s.within_slo(baseline) {
            continue;
        }
        let allowed = s.error_budget_ratio();
        // The tightest SLO the baseline fits, rounded down to 4 decimals.
        let loosest = ((1.0 - baseline) * 1e4).floor() / 1e4;
        out.push(Finding {
            path: format!("services.{}.baseline_error_ratio", s.name),
            message: format!(
                "baseline error ratio {} is above the {} the SLO {} allows: `{}` would be \
                 outside its SLO before any fault, so the impact would start at the first \
                 instant and could never be restored",
                share(baseline),
                share(allowed),
                share(s.slo.get()),
                s.name
            ),
            hint: format!(
                "lower baseline_error_ratio to at most {} or loosen slo to {} or less",
                share(allowed),
                share(loosest)
            ),
        });
    }
    out
}

/// Whether a change touching `touches` ships a new build of `service`.
fn reaches(sc: &Scenario, touches: &[Component], service: ServiceId) -> bool {
    touches.iter().any(|&c| sc.consumers(c).contains(&service))
}

/// `[errkit] (ships to payment, login)`, for messages.
fn describe(sc: &Scenario, touches: &[Component]) -> String {
    let names: Vec<&str> = touches.iter().map(|&c| sc.component_name(c)).collect();
    let mut ships: Vec<ServiceId> = touches.iter().flat_map(|&c| sc.consumers(c)).collect();
    ships.sort();
    ships.dedup();
    let ships: Vec<&str> = ships.iter().map(|&s| sc.service(s).name.as_str()).collect();
    format!("[{}] (ships to {})", names.join(", "), ships.join(", "))
}

/// The fault's service and the libraries it links: what a curing fix may
/// touch.
fn cure_candidates(sc: &Scenario, service: ServiceId) -> String {
    let mut names = vec![format!("`{}`", sc.service(service).name)];
    for l in &sc.libraries {
        if l.users.contains(&service) {
            names.push(format!("`{}`", l.name));
        }
    }
    match names.len() {
        1 => names.remove(0),
        _ => {
            let last = names.pop().unwrap_or_default();
            format!("{} or {last}", names.join(", "))
        }
    }
}

/// Faults no fix the team writes can cure.
pub(crate) fn faults_curable(sc: &Scenario) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, f) in sc.faults.iter().enumerate() {
        let service = &sc.service(f.service).name;
        let pressure = reaches(sc, &f.fix_touches, f.service);
        let calm = reaches(sc, &f.calm_fix_touches, f.service);
        // The calm fix is written once the fault fails no requests: a flag
        // off on its path, a rollback past the release that brought it, or
        // an effect that never fails any.
        let containable = f.guarded_by.is_some()
            || f.origin == FaultOrigin::LastRelease
            || f.effect.error_ratio() == 0.0;
        let path = format!("faults[{i}].fix_touches");
        if !pressure && !calm {
            out.push(Finding {
                path,
                message: format!(
                    "no fix can cure fault `{}`: a fix cures it only by shipping a new build \
                     of `{service}`, and neither fix_touches {} nor calm_fix_touches {} does",
                    f.name,
                    describe(sc, &f.fix_touches),
                    describe(sc, &f.calm_fix_touches)
                ),
                hint: format!(
                    "make fix_touches or calm_fix_touches touch {}",
                    cure_candidates(sc, f.service)
                ),
            });
        } else if !pressure && calm && !containable {
            out.push(Finding {
                path,
                message: format!(
                    "no fix can cure fault `{}`: fix_touches {} does not ship a new build of \
                     `{service}`, and the calm fix (calm_fix_touches) is only written once the \
                     fault is contained, which nothing here can do: no flag guards its path and \
                     a rollback does not remove it (origin: predates)",
                    f.name,
                    describe(sc, &f.fix_touches)
                ),
                hint: format!(
                    "make fix_touches touch {}, guard the fault's path with a flag, or set \
                     `origin: last_release` if the current release brought it",
                    cure_candidates(sc, f.service)
                ),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{friday_cascade, parse, FRIDAY_CASCADE_YAML};

    /// The errors `parse` reports for an edit of the Friday file, with
    /// the line each points at.
    fn errors_of(from: &str, to: &str) -> Vec<(usize, String)> {
        assert!(FRIDAY_CASCADE_YAML.contains(from), "edit not found: {from}");
        let text = FRIDAY_CASCADE_YAML.replacen(from, to, 1);
        match parse("test.yaml", &text) {
            Ok(_) => panic!("expected errors for {to}"),
            Err(e) => e
                .iter()
                .map(|e| (e.line.unwrap_or(0), e.to_string()))
                .collect(),
        }
    }

    fn line_of(from: &str, to: &str, needle: &str) -> usize {
        let text = FRIDAY_CASCADE_YAML.replacen(from, to, 1);
        text.lines().position(|l| l.contains(needle)).unwrap() + 1
    }

    #[test]
    fn should_locate_both_checks_in_the_file() {
        let (from, to) = (
            "baseline_error_ratio: 0.001\n",
            "baseline_error_ratio: 0.006\n",
        );
        let errs = errors_of(from, to);
        assert_eq!(errs.len(), 1, "{errs:#?}");
        assert_eq!(errs[0].0, line_of(from, to, "0.006"));
        assert!(errs[0].1.contains("services.email.baseline_error_ratio: baseline error ratio 0.006 is above the 0.005 the SLO 0.995 allows"), "{}", errs[0].1);
        assert!(errs[0].1.contains("(hint: lower baseline_error_ratio to at most 0.005 or loosen slo to 0.994 or less)"), "{}", errs[0].1);

        let (from, to) = ("fix_touches: [errkit]     #", "fix_touches: [catalog]    #");
        let to_calm = "calm_fix_touches: [catalog]";
        let text_from = "calm_fix_touches: [payment]";
        let errs = {
            let text = FRIDAY_CASCADE_YAML
                .replacen(from, to, 1)
                .replacen(text_from, to_calm, 1);
            parse("test.yaml", &text).unwrap_err()
        };
        assert_eq!(errs.len(), 1, "{errs}");
        let e = &errs.0[0];
        assert_eq!(e.path, "faults[0].fix_touches");
        assert_eq!(e.line, Some(line_of(from, to, "[catalog]    #")));
        assert!(
            e.message
                .starts_with("no fix can cure fault `payment-v2-declines`"),
            "{e}"
        );
    }

    #[test]
    fn should_accept_the_friday_scenario() {
        assert_eq!(check(&friday_cascade()), vec![]);
    }

    #[test]
    fn should_refuse_a_baseline_outside_the_slo() {
        let mut sc = friday_cascade();
        let pay = sc.service_by_name("payment").unwrap().index();
        sc.services[pay].baseline_error = crate::prob::Ratio::new(0.002).unwrap();
        let f = baselines_within_slo(&sc);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].path, "services.payment.baseline_error_ratio");
        assert!(
            f[0].message
                .contains("baseline error ratio 0.002 is above the 0.001 the SLO 0.999 allows"),
            "{}",
            f[0].message
        );
        assert_eq!(
            f[0].hint,
            "lower baseline_error_ratio to at most 0.001 or loosen slo to 0.998 or less"
        );
    }

    #[test]
    fn should_accept_a_baseline_exactly_at_the_allowance() {
        let mut sc = friday_cascade();
        let pay = sc.service_by_name("payment").unwrap().index();
        sc.services[pay].baseline_error = crate::prob::Ratio::new(0.001).unwrap();
        assert_eq!(baselines_within_slo(&sc), vec![]);
    }

    #[test]
    fn should_refuse_a_fault_no_fix_reaches() {
        let mut sc = friday_cascade();
        let login = Component::Service(sc.service_by_name("login").unwrap());
        sc.faults[0].fix_touches = vec![login];
        sc.faults[0].calm_fix_touches = vec![login];
        let f = faults_curable(&sc);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].path, "faults[0].fix_touches");
        assert!(
            f[0].message.contains("neither fix_touches [login] (ships to login) nor calm_fix_touches [login] (ships to login)"),
            "{}",
            f[0].message
        );
        assert_eq!(
            f[0].hint,
            "make fix_touches or calm_fix_touches touch `payment` or `errkit`"
        );
    }

    #[test]
    fn should_accept_a_wrong_rushed_fix_when_the_fault_can_be_contained() {
        // The rushed fix patches login, but the flag contains the fault
        // and the calm fix in payment cures it.
        let mut sc = friday_cascade();
        let login = Component::Service(sc.service_by_name("login").unwrap());
        sc.faults[0].fix_touches = vec![login];
        assert_eq!(faults_curable(&sc), vec![]);
        // Without the flag, a rollback still contains a fault of the last release.
        sc.faults[0].guarded_by = None;
        assert_eq!(faults_curable(&sc), vec![]);
        // An older fault nothing contains: only the rushed fix could cure it.
        sc.faults[0].origin = FaultOrigin::Predates;
        let f = faults_curable(&sc);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0]
            .message
            .contains("only written once the fault is contained"));
    }
}
