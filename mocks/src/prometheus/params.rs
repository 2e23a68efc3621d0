//! Parsing of the Prometheus API's request parameters: form pairs from the
//! URL and a POST body, times and durations (api-reference §1.2).

/// The parameters of one request: for a form POST the body's pairs come
/// first, so they win over the URL's, as in Go's `Request.FormValue`.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Reads the URL query and, when `form_body` is given, a form body.
    /// Invalid UTF-8 and percent escapes decode lossily, never fail.
    pub fn parse(url_query: &str, form_body: Option<&[u8]>) -> Self {
        let mut pairs: Vec<(String, String)> = Vec::new();
        if let Some(body) = form_body {
            pairs.extend(
                form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())),
            );
        }
        pairs.extend(
            form_urlencoded::parse(url_query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned())),
        );
        Self { pairs }
    }

    /// The first value of `name`, if any and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// Every value of a repeatable parameter such as `match[]`.
    pub fn get_all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// The largest |seconds| accepted, so that milliseconds fit in an i64.
const MAX_ABS_SECONDS: f64 = 9.0e15;

/// A time as Unix float seconds (rounded to ms) or RFC 3339, in unix ms.
pub fn parse_time(s: &str) -> Result<i64, String> {
    let invalid = || format!("cannot parse {s:?} to a valid timestamp");
    if let Ok(secs) = s.parse::<f64>() {
        if !secs.is_finite() || secs.abs() > MAX_ABS_SECONDS {
            return Err(invalid());
        }
        let whole = secs.trunc();
        let frac_ms = ((secs - whole) * 1000.0).round();
        // Both parts are bounded above, so the casts are exact.
        return Ok(whole as i64 * 1000 + frac_ms as i64);
    }
    s.parse::<jiff::Timestamp>()
        .map(|t| t.as_millisecond())
        .map_err(|_| invalid())
}

/// A duration as float seconds or a Prometheus duration (`1h30m`, units
/// `y w d h m s ms`, largest first), in ms. Sub-millisecond parts are cut.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let invalid = || format!("cannot parse {s:?} to a valid duration");
    if let Ok(secs) = s.parse::<f64>() {
        if !secs.is_finite() || secs.abs() > MAX_ABS_SECONDS {
            return Err(invalid());
        }
        return Ok((secs * 1000.0).trunc() as i64);
    }
    prometheus_duration(s).ok_or_else(invalid)
}

fn prometheus_duration(s: &str) -> Option<i64> {
    const UNITS: [(&str, i64); 7] = [
        ("y", 365 * 24 * 3_600_000),
        ("w", 7 * 24 * 3_600_000),
        ("d", 24 * 3_600_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1000),
        ("ms", 1),
    ];
    if s.is_empty() {
        return None;
    }
    let mut rest = s;
    let mut total: i64 = 0;
    let mut next_unit = 0;
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return None;
        }
        let n: i64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        // "ms" must be tried before "m".
        let (idx, (unit, ms)) = UNITS
            .iter()
            .enumerate()
            .skip(next_unit)
            .filter(|(_, (u, _))| rest.starts_with(u))
            .max_by_key(|(_, (u, _))| u.len())?;
        rest = &rest[unit.len()..];
        next_unit = idx + 1;
        total = total.checked_add(n.checked_mul(*ms)?)?;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn should_parse_float_and_rfc3339_times() {
        assert_eq!(parse_time("1700000000"), Ok(1_700_000_000_000));
        assert_eq!(parse_time("1700000000.123"), Ok(1_700_000_000_123));
        assert_eq!(parse_time("1700000000.0504"), Ok(1_700_000_000_050));
        assert_eq!(parse_time("2023-11-14T22:13:20Z"), Ok(1_700_000_000_000));
        assert_eq!(parse_time("2023-11-14T22:13:20.12Z"), Ok(1_700_000_000_120));
        assert_eq!(
            parse_time("2023-11-14T23:13:20+01:00"),
            Ok(1_700_000_000_000)
        );
    }

    #[test]
    fn should_refuse_bad_times() {
        for bad in [
            "",
            "abc",
            "NaN",
            "inf",
            "-Inf",
            "1e300",
            "2023-13-01T00:00:00Z",
        ] {
            assert_eq!(
                parse_time(bad),
                Err(format!("cannot parse {bad:?} to a valid timestamp"))
            );
        }
    }

    #[test]
    fn should_parse_durations() {
        assert_eq!(parse_duration("15"), Ok(15_000));
        assert_eq!(parse_duration("0.5"), Ok(500));
        assert_eq!(parse_duration("15s"), Ok(15_000));
        assert_eq!(parse_duration("1m"), Ok(60_000));
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration("1m500ms"), Ok(60_500));
        assert_eq!(parse_duration("2d"), Ok(172_800_000));
        assert_eq!(parse_duration("0"), Ok(0));
    }

    #[test]
    fn should_refuse_bad_durations() {
        for bad in [
            "",
            "1x",
            "m",
            "30m1h",
            "1h1h",
            "NaN",
            "1e300",
            "99999999999999999999y",
            "-1m",
            "1.5m",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn should_let_form_body_win_over_url_and_skip_empty_values() {
        let p = Params::parse("query=url&time=&match[]=a", Some(b"query=body&match[]=b"));
        assert_eq!(p.get("query"), Some("body"));
        assert_eq!(p.get("time"), None);
        assert_eq!(p.get_all("match[]"), vec!["b", "a"]);
        let lossy = Params::parse("q=%ff", Some(&[0xff, b'=', 0xfe]));
        assert_eq!(lossy.get("q"), Some("\u{fffd}"));
    }
}
