//! Who is calling: a drill's credentials, one per player and one for the
//! facilitator (the game master), so the journal records who made each
//! call and only the facilitator can pause, resume, end or inject.
//!
//! A request names its caller with the token it carries, in whichever
//! form its fake expects: `Authorization: Bearer T` (or GitHub's `token
//! T`), Unleash's raw `Authorization: T`, or Argo CD's JWT-shaped
//! `gameday.T.drill` as a bearer token or an `argocd.token` cookie. Each
//! fake still checks its own form, against the token of the caller the
//! request names ([`crate::sim::SharedWorld::caller`]).
//!
//! Without `--player`, a drill has one credential, `team`, which is both
//! the one player and the facilitator: the default works with no flags.

/// What a credential may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Works the incident through the fakes.
    Player,
    /// Also pauses, resumes and ends the drill, and injects twists.
    Facilitator,
}

/// One caller: a name for the journal, a token, a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub name: String,
    pub token: String,
    pub role: Role,
}

/// The name of the only credential of a drill without `--player`.
pub const TEAM: &str = "team";
/// The name of the facilitator's credential when there are players.
pub const FACILITATOR: &str = "facilitator";
/// At most this many players (each gets a token and a journal name).
pub const MAX_PLAYERS: usize = 64;

/// A drill's credentials: distinct names, distinct tokens.
#[derive(Debug, Clone)]
pub struct Access {
    credentials: Vec<Credential>,
}

/// Why a set of credentials cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error(
        "--player `{0}`: a name is 1 to 64 letters, digits, `.`, `-` or `_` (hint: --player ana)"
    )]
    BadName(String),
    #[error("--player `{0}` is given twice")]
    DuplicateName(String),
    #[error("--player `{0}`: the name is the facilitator's (pick another)")]
    ReservedName(String),
    #[error("two credentials share one token (`{0}`'s): every player needs their own")]
    DuplicateToken(String),
    #[error("at most {MAX_PLAYERS} players")]
    TooMany,
}

impl Access {
    /// One credential that plays and facilitates (no `--player`).
    pub fn single(token: &str) -> Access {
        Access {
            credentials: vec![Credential {
                name: TEAM.into(),
                token: token.into(),
                role: Role::Facilitator,
            }],
        }
    }

    /// The facilitator's `token` and one credential per player, `(name,
    /// token)`. Names and tokens must be distinct; tokens are checked by
    /// the caller (the characters every fake accepts).
    pub fn with_players(
        facilitator_token: &str,
        players: &[(String, String)],
    ) -> Result<Access, AccessError> {
        if players.is_empty() {
            return Ok(Access::single(facilitator_token));
        }
        if players.len() > MAX_PLAYERS {
            return Err(AccessError::TooMany);
        }
        let mut credentials = vec![Credential {
            name: FACILITATOR.into(),
            token: facilitator_token.into(),
            role: Role::Facilitator,
        }];
        for (name, token) in players {
            let ok = (1..=64).contains(&name.len())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
            if !ok {
                return Err(AccessError::BadName(name.clone()));
            }
            if name == FACILITATOR {
                return Err(AccessError::ReservedName(name.clone()));
            }
            if credentials.iter().any(|c| &c.name == name) {
                return Err(AccessError::DuplicateName(name.clone()));
            }
            if let Some(c) = credentials.iter().find(|c| &c.token == token) {
                return Err(AccessError::DuplicateToken(c.name.clone()));
            }
            credentials.push(Credential {
                name: name.clone(),
                token: token.clone(),
                role: Role::Player,
            });
        }
        Ok(Access { credentials })
    }

    /// Every credential, the facilitator's first.
    pub fn credentials(&self) -> &[Credential] {
        &self.credentials
    }

    /// The facilitator's credential (the only one without players).
    pub fn facilitator(&self) -> &Credential {
        &self.credentials[0]
    }

    /// The players' names, for the journal's header (none without
    /// `--player`).
    pub fn player_names(&self) -> Vec<String> {
        self.credentials
            .iter()
            .filter(|c| c.role == Role::Player)
            .map(|c| c.name.clone())
            .collect()
    }

    /// The credential `req` names, if any (see the module doc for the
    /// forms a token travels in).
    pub fn identify(&self, req: &crate::http::HttpRequest) -> Option<&Credential> {
        let auth = req.header("authorization").map(str::trim);
        let from_auth = auth.map(|a| {
            ["Bearer ", "bearer ", "token "]
                .iter()
                .find_map(|p| a.strip_prefix(p))
                .unwrap_or(a)
                .trim()
        });
        let cookie = req.header("cookie").and_then(|c| {
            c.split(';')
                .find_map(|kv| kv.trim().strip_prefix("argocd.token="))
        });
        let query = req
            .query_pairs()
            .into_iter()
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v);
        let found = [from_auth, cookie, query.as_deref()]
            .into_iter()
            .flatten()
            .map(|t| {
                t.strip_prefix("gameday.")
                    .and_then(|t| t.strip_suffix(".drill"))
                    .unwrap_or(t)
            })
            .find_map(|t| self.credentials.iter().find(|c| c.token == t));
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HttpRequest;

    fn players() -> Access {
        Access::with_players(
            "boss",
            &[
                ("ana".into(), "tok-ana".into()),
                ("bo".into(), "tok-bo".into()),
            ],
        )
        .unwrap()
    }

    #[test]
    fn should_name_the_caller_in_every_form_a_fake_takes_its_token() {
        let a = players();
        let who = |req: HttpRequest| a.identify(&req).map(|c| c.name.clone());
        let get = || HttpRequest::new("GET", "/x");
        assert_eq!(
            who(get().with_header("authorization", "Bearer tok-ana")),
            Some("ana".into())
        );
        assert_eq!(
            who(get().with_header("authorization", "token tok-bo")),
            Some("bo".into())
        );
        assert_eq!(
            who(get().with_header("authorization", "tok-bo")),
            Some("bo".into())
        );
        assert_eq!(
            who(get().with_header("authorization", "Bearer gameday.tok-ana.drill")),
            Some("ana".into())
        );
        assert_eq!(
            who(get().with_header("cookie", "a=b; argocd.token=gameday.boss.drill")),
            Some("facilitator".into())
        );
        assert_eq!(
            who(HttpRequest::new("GET", "/x?token=tok-bo")),
            Some("bo".into())
        );
        assert_eq!(who(get().with_header("authorization", "Bearer nope")), None);
        assert_eq!(who(get()), None);
    }

    #[test]
    fn should_give_only_the_facilitator_the_facilitators_role() {
        let a = players();
        let roles: Vec<_> = a
            .credentials()
            .iter()
            .map(|c| (c.name.as_str(), c.role))
            .collect();
        assert_eq!(
            roles,
            [
                ("facilitator", Role::Facilitator),
                ("ana", Role::Player),
                ("bo", Role::Player)
            ]
        );
        assert_eq!(a.player_names(), ["ana", "bo"]);
        let one = Access::single("t");
        assert_eq!(one.facilitator().name, TEAM);
        assert!(one.player_names().is_empty());
    }

    #[test]
    fn should_refuse_names_and_tokens_that_would_confuse_the_journal() {
        let p = |n: &str, t: &str| (n.to_string(), t.to_string());
        let err = |ps: &[(String, String)]| Access::with_players("boss", ps).unwrap_err();
        assert_eq!(
            err(&[p("ana", "a"), p("ana", "b")]),
            AccessError::DuplicateName("ana".into())
        );
        assert_eq!(
            err(&[p("ana", "a"), p("bo", "a")]),
            AccessError::DuplicateToken("ana".into())
        );
        assert_eq!(
            err(&[p("ana", "boss")]),
            AccessError::DuplicateToken("facilitator".into())
        );
        assert_eq!(
            err(&[p("facilitator", "x")]),
            AccessError::ReservedName("facilitator".into())
        );
        assert_eq!(err(&[p("a b", "x")]), AccessError::BadName("a b".into()));
        assert_eq!(err(&[p("", "x")]), AccessError::BadName("".into()));
    }
}
