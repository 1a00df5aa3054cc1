//! What the real requests in the event log show about the identity provider's setup, folded
//! one entry at a time. The console reads the log once when first asked, then only the entries
//! written since (one query by id per notice), so the guide's verification and the Health page
//! follow the event stream instead of re-running searches of the whole log.
//!
//! Simulated requests (the console's Okta simulator) and folded entries (unauthenticated or
//! throttled requests) never count as evidence.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use serde_json::Value;

use scim_store::{
    EventQuery, EventRecord, StoreRead, CONSOLE_METHOD, DIALECT_ENTRA_LEGACY, GROUP_ROLE_METHOD,
    LOGIN_METHOD,
};

/// 24 hours before `now`, as stored times are written.
pub fn day_ago(now: chrono::DateTime<chrono::Utc>) -> String {
    scim_store::format_time(now - chrono::Duration::hours(24))
}

/// Requests one token made.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenTraffic {
    pub first: EventRecord,
    pub last: EventRecord,
    pub requests: u64,
    /// The token's first successful profile update (PUT or PATCH that is not only a change of
    /// `active`), deactivation, and request carrying the role attribute.
    pub profile_update: Option<EventRecord>,
    pub deactivation: Option<EventRecord>,
    pub role_request: Option<EventRecord>,
}

/// A role value the server refused (400), and who it was sent for.
#[derive(Debug, Clone, PartialEq)]
pub struct RefusedRole {
    /// How many requests sent it.
    pub requests: u64,
    pub last: EventRecord,
    /// Users it was sent for who have had no accepted role since (at most [`USERS_KEPT`]).
    pub users: BTreeSet<String>,
}

/// Microsoft Entra ID's first requests of each kind that shows a step of its setup done.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EntraSeen {
    /// The first successful lookup of users: *Test Connection* (or a provisioning cycle).
    pub test_connection: Option<EventRecord>,
    /// The first user it created.
    pub user_created: Option<EventRecord>,
    /// The first group it created.
    pub group_created: Option<EventRecord>,
    /// Its latest request.
    pub last: Option<EventRecord>,
}

/// Whether a client is Microsoft Entra ID's provisioning service.
pub fn is_entra(client: Option<&str>) -> bool {
    client.is_some_and(|c| c.starts_with("Azure Active Directory"))
}

/// Requests of one kind the setup should not cause, with the latest of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub requests: u64,
    pub last: EventRecord,
}

/// Requests in one minute, for the last day's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MinuteTally {
    pub requests: u64,
    pub errors: u64,
    /// Answered 401 (no valid token).
    pub unauthorized: u64,
}

/// Refused role values kept (a client sending endless distinct values cannot grow it further:
/// the least recently sent one goes).
pub const REFUSED_ROLES_KEPT: usize = 50;
/// Users kept per refused role.
pub const USERS_KEPT: usize = 20;
/// Updates for missing users kept (the latest).
pub const MISSING_KEPT: usize = 5;
/// Entries read per query while catching up.
const PAGE: u32 = 5000;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evidence {
    /// Every entry up to this id has been folded in.
    pub seen_up_to: i64,
    /// Requests per token (authenticated, real).
    pub by_token: HashMap<i64, TokenTraffic>,
    /// The id of the latest successful request carrying the role attribute.
    pub last_good_role: Option<i64>,
    /// The latest request whose role was refused.
    pub invalid_role: Option<EventRecord>,
    /// Refused role values still outstanding, by value.
    pub refused_roles: BTreeMap<String, RefusedRole>,
    /// `POST /Users` refused with 403 (the identity provider tries to create users while the
    /// policy lets only first logins create them).
    pub create_refused: Option<Seen>,
    /// Requests to `/Groups` that failed (group push or import turned on in the identity
    /// provider, where this server has no groups).
    pub groups_refused: Option<Seen>,
    /// PATCHes in Entra ID's dialect from before 2020 (the Tenant URL lacks
    /// `?aadOptscim062020`).
    pub entra_legacy: Option<Seen>,
    /// Deactivations Okta sent as a PUT of the whole user: an app made with Okta's App
    /// Integration Wizard, which sends PUT for every change.
    pub okta_put: Option<Seen>,
    /// What Microsoft Entra ID has done so far (its requests name it in their User-Agent).
    pub entra: EntraSeen,
    /// The latest updates that found no user (404 on PUT or PATCH), newest last.
    pub missing_users: VecDeque<EventRecord>,
    /// How many updates found no user in all.
    pub missing_total: u64,
    /// Real SCIM requests per minute (`YYYY-MM-DDTHH:MM`, UTC) over about the last day:
    /// folded entries count as the requests they stand for; the console's own changes and
    /// SAML logins are not requests.
    pub minutes: BTreeMap<String, MinuteTally>,
}

/// The minute key of a time, `YYYY-MM-DDTHH:MM`.
fn minute_of(at: &str) -> &str {
    at.get(..16).unwrap_or(at)
}

/// The endpoint of a logged path: `/scim/v2/Users/42?x=1` → `/Users/42`.
pub fn endpoint(path: &str) -> &str {
    let path = path.split('?').next().unwrap_or(path);
    path.find("/scim/v2")
        .map_or(path, |i| &path[i + "/scim/v2".len()..])
}

fn is_users(path: &str) -> bool {
    let e = endpoint(path);
    e == "/Users" || e.starts_with("/Users/")
}

fn is_groups(path: &str) -> bool {
    let e = endpoint(path);
    e == "/Groups" || e.starts_with("/Groups/") || e.starts_with("/Groups?")
}

/// Whether a diff changes `active` to false, and whether it changes anything else.
fn deactivates(e: &EventRecord) -> (bool, bool) {
    let diff = &e.event.diff;
    let off = diff
        .iter()
        .any(|c| c.path == "active" && c.new == Some(Value::Bool(false)));
    let other = diff.iter().any(|c| c.path != "active");
    (off, other || diff.is_empty())
}

fn seen(slot: &mut Option<Seen>, e: &EventRecord) {
    match slot {
        Some(s) => {
            s.requests += e.event.count;
            s.last = e.clone();
        }
        None => {
            *slot = Some(Seen {
                requests: e.event.count,
                last: e.clone(),
            })
        }
    }
}

impl Evidence {
    /// Folds one entry in; entries must come in id order. Taken by value: the latest request
    /// of each token is kept by moving it, not copying (this runs over the whole log once).
    pub fn observe(&mut self, e: EventRecord) {
        self.fold(&e);
        if !(e.event.simulated
            || e.event.aggregated
            || e.event.method == GROUP_ROLE_METHOD
            || is_entra(e.event.client.as_deref()))
        {
            if let Some(tt) = e.event.token_id.and_then(|t| self.by_token.get_mut(&t)) {
                tt.last = e;
            }
        }
    }

    fn fold(&mut self, e: &EventRecord) {
        self.seen_up_to = self.seen_up_to.max(e.id);
        let ev = &e.event;
        // The console's changes, logins and what group writes caused are not requests.
        let request =
            ![CONSOLE_METHOD, LOGIN_METHOD, GROUP_ROLE_METHOD].contains(&ev.method.as_str());
        if !ev.simulated && request {
            let t = self
                .minutes
                .entry(minute_of(&ev.at).to_owned())
                .or_default();
            t.requests += ev.count;
            if ev.status >= 400 {
                t.errors += ev.count;
            }
            if ev.status == 401 {
                t.unauthorized += ev.count;
            }
        }
        if ev.simulated || ev.aggregated {
            return;
        }
        // Per token: what the Okta guide verifies from, so Entra's requests (followed in
        // `entra`, for its own guide) are left out.
        let entra = is_entra(ev.client.as_deref());
        // Changes a group write caused carry its token but are no request of their own.
        let derived = ev.method == GROUP_ROLE_METHOD;
        if let Some(t) = ev.token_id.filter(|_| !entra && !derived) {
            self.by_token
                .entry(t)
                .and_modify(|tt| tt.requests += 1)
                .or_insert_with(|| TokenTraffic {
                    first: e.clone(),
                    last: e.clone(),
                    requests: 1,
                    profile_update: None,
                    deactivation: None,
                    role_request: None,
                });
        }
        let ok = ev.status < 400;
        let write = matches!(ev.method.as_str(), "PUT" | "PATCH");
        if let Some(tt) = ev
            .token_id
            .filter(|_| !entra && !derived)
            .and_then(|t| self.by_token.get_mut(&t))
        {
            if ok && write && is_users(&ev.path) {
                let (off, other) = deactivates(e);
                if off && tt.deactivation.is_none() {
                    tt.deactivation = Some(e.clone());
                }
                if other && tt.profile_update.is_none() {
                    tt.profile_update = Some(e.clone());
                }
            }
            if ok && ev.role.is_some() && tt.role_request.is_none() {
                tt.role_request = Some(e.clone());
            }
        }
        if let Some(role) = &ev.role {
            if ok {
                self.last_good_role = Some(e.id);
                // An accepted role settles what was refused for this user.
                if let Some(user) = &ev.user_name {
                    self.refused_roles.retain(|_, r| {
                        r.users.remove(user);
                        !r.users.is_empty()
                    });
                }
            } else if ev.status == 400 {
                self.invalid_role = Some(e.clone());
                let r = self
                    .refused_roles
                    .entry(role.clone())
                    .or_insert_with(|| RefusedRole {
                        requests: 0,
                        last: e.clone(),
                        users: BTreeSet::new(),
                    });
                r.requests += 1;
                r.last = e.clone();
                if let Some(user) = &ev.user_name {
                    if r.users.len() < USERS_KEPT {
                        r.users.insert(user.clone());
                    }
                }
                if self.refused_roles.len() > REFUSED_ROLES_KEPT {
                    let oldest = self
                        .refused_roles
                        .iter()
                        .min_by_key(|(_, r)| r.last.id)
                        .map(|(k, _)| k.clone());
                    if let Some(k) = oldest {
                        self.refused_roles.remove(&k);
                    }
                }
            }
        }
        if ev.method == "POST" && ev.status == 403 && is_users(&ev.path) {
            seen(&mut self.create_refused, e);
        }
        // Groups not offered (just-in-time provisioning); other failures are ordinary errors.
        if is_groups(&ev.path) && ev.status == 404 {
            seen(&mut self.groups_refused, e);
        }
        if ev.token_id.is_some() && is_entra(ev.client.as_deref()) {
            let x = &mut self.entra;
            if ok && ev.method == "GET" && is_users(&ev.path) && x.test_connection.is_none() {
                x.test_connection = Some(e.clone());
            }
            if ev.status == 201 && is_users(&ev.path) && x.user_created.is_none() {
                x.user_created = Some(e.clone());
            }
            if ev.status == 201 && is_groups(&ev.path) && x.group_created.is_none() {
                x.group_created = Some(e.clone());
            }
            x.last = Some(e.clone());
        }
        if ev.dialect.as_deref() == Some(DIALECT_ENTRA_LEGACY) {
            seen(&mut self.entra_legacy, e);
        }
        let from_okta = ev
            .client
            .as_deref()
            .is_some_and(|c| c.starts_with("Okta SCIM Client"));
        if ok && from_okta && ev.method == "PUT" && is_users(&ev.path) && deactivates(e).0 {
            seen(&mut self.okta_put, e);
        }
        if ev.status == 404 && write && is_users(&ev.path) {
            self.missing_total += 1;
            self.missing_users.push_back(e.clone());
            while self.missing_users.len() > MISSING_KEPT {
                self.missing_users.pop_front();
            }
        }
    }

    /// Folds in every entry written after the last one seen.
    pub async fn catch_up(&mut self, store: &dyn StoreRead) -> scim_store::Result<()> {
        loop {
            let page = store
                .list_events(&EventQuery {
                    after_id: Some(self.seen_up_to),
                    oldest_first: true,
                    limit: PAGE,
                    ..Default::default()
                })
                .await?;
            let full = page.len() == PAGE as usize;
            for e in page {
                self.observe(e);
            }
            self.forget_minutes_before(&day_ago(chrono::Utc::now()));
            if !full {
                return Ok(());
            }
        }
    }

    /// The first real request of any of `tokens`, and the token's traffic.
    pub fn first_of<'a>(&'a self, tokens: &[i64]) -> Option<&'a TokenTraffic> {
        tokens
            .iter()
            .filter_map(|t| self.by_token.get(t))
            .min_by_key(|tt| tt.first.id)
    }

    fn forget_minutes_before(&mut self, since: &str) {
        let since = minute_of(since).to_owned();
        self.minutes = self.minutes.split_off(&since);
    }

    /// Real requests, failures and 401s since `since` (RFC 3339), to the minute.
    pub fn since(&self, since: &str) -> MinuteTally {
        self.minutes.range(minute_of(since).to_owned()..).fold(
            MinuteTally::default(),
            |mut sum, (_, t)| {
                sum.requests += t.requests;
                sum.errors += t.errors;
                sum.unauthorized += t.unauthorized;
                sum
            },
        )
    }

    /// The earliest of what `pick` finds in the traffic of `tokens`.
    pub fn earliest<'a>(
        &'a self,
        tokens: &[i64],
        pick: impl Fn(&'a TokenTraffic) -> Option<&'a EventRecord>,
    ) -> Option<&'a EventRecord> {
        tokens
            .iter()
            .filter_map(|t| self.by_token.get(t))
            .filter_map(pick)
            .min_by_key(|e| e.id)
    }

    /// The latest real request of any token (Okta's, Entra's or another client's).
    pub fn last_request(&self) -> Option<&EventRecord> {
        self.by_token
            .values()
            .map(|tt| &tt.last)
            .chain(self.entra.last.as_ref())
            .max_by_key(|e| e.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scim_store::{AttrChange, NewEvent};

    fn ev(id: i64, method: &str, path: &str, status: u16) -> EventRecord {
        EventRecord {
            id,
            event: NewEvent {
                at: format!("2026-01-01T00:00:{:02}.000Z", id % 60),
                token_id: Some(1),
                method: method.into(),
                path: format!("/scim/v2{path}"),
                status,
                count: 1,
                ..Default::default()
            },
        }
    }

    fn change(path: &str, new: Value) -> AttrChange {
        AttrChange {
            path: path.into(),
            old: None,
            new: Some(new),
        }
    }

    #[test]
    fn a_deactivation_is_not_a_profile_update() {
        let mut e = Evidence::default();
        let mut off = ev(1, "PATCH", "/Users/a", 200);
        off.event.diff = vec![change("active", Value::Bool(false))];
        e.observe(off.clone());
        let tt = |e: &Evidence| e.by_token[&1].clone();
        assert_eq!(tt(&e).deactivation.as_ref().map(|d| d.id), Some(1));
        assert!(tt(&e).profile_update.is_none());
        let mut push = ev(2, "PUT", "/Users/a", 200);
        push.event.diff = vec![change("name.givenName", Value::from("Dana"))];
        e.observe(push.clone());
        assert_eq!(tt(&e).profile_update.as_ref().map(|d| d.id), Some(2));
        assert_eq!(
            e.earliest(&[1], |t| t.profile_update.as_ref())
                .map(|d| d.id),
            Some(2)
        );
        assert!(e.earliest(&[2], |t| t.profile_update.as_ref()).is_none());
        assert_eq!(e.seen_up_to, 2);
    }

    #[test]
    fn simulated_and_folded_entries_are_no_evidence() {
        let mut e = Evidence::default();
        let mut sim = ev(1, "GET", "/Users", 200);
        sim.event.simulated = true;
        e.observe(sim.clone());
        let mut folded = ev(2, "GET", "/Users", 401);
        folded.event.aggregated = true;
        e.observe(folded.clone());
        assert!(e.by_token.is_empty());
        assert_eq!(e.seen_up_to, 2);
    }

    #[test]
    fn a_refused_role_stays_until_the_user_gets_an_accepted_one() {
        let mut e = Evidence::default();
        let mut bad = ev(1, "PATCH", "/Users/a", 400);
        bad.event.role = Some("Superuser".into());
        bad.event.user_name = Some("dana@example.com".into());
        e.observe(bad.clone());
        assert_eq!(e.refused_roles["Superuser"].requests, 1);
        let mut good = ev(2, "PATCH", "/Users/b", 200);
        good.event.role = Some("Analyst".into());
        good.event.user_name = Some("lee@example.com".into());
        e.observe(good.clone());
        assert!(e.refused_roles.contains_key("Superuser"), "another user");
        good.id = 3;
        good.event.user_name = Some("dana@example.com".into());
        e.observe(good.clone());
        assert!(e.refused_roles.is_empty());
        assert_eq!(e.invalid_role.as_ref().map(|r| r.id), Some(1));
    }

    #[test]
    fn refused_roles_are_bounded() {
        let mut e = Evidence::default();
        for i in 0..(REFUSED_ROLES_KEPT as i64 + 30) {
            let mut bad = ev(i + 1, "PATCH", "/Users/a", 400);
            bad.event.role = Some(format!("role-{i}"));
            bad.event.user_name = Some(format!("u{i}"));
            e.observe(bad.clone());
        }
        assert_eq!(e.refused_roles.len(), REFUSED_ROLES_KEPT);
        assert!(!e.refused_roles.contains_key("role-0"));
        assert!(e.refused_roles.contains_key("role-79"));
    }

    #[test]
    fn the_last_day_is_counted_per_minute() {
        let mut e = Evidence::default();
        let mut a = ev(1, "GET", "/Users", 200);
        a.event.at = "2026-01-01T10:00:05.000Z".into();
        let mut b = ev(2, "GET", "/Users", 401);
        b.event.at = "2026-01-01T10:01:00.000Z".into();
        b.event.aggregated = true;
        b.event.count = 9;
        let mut c = ev(3, CONSOLE_METHOD, "/Users/1", 200);
        c.event.at = "2026-01-01T10:02:00.000Z".into();
        let mut d = ev(4, "PATCH", "/Users/1", 400);
        d.event.at = "2026-01-01T10:03:00.000Z".into();
        d.event.simulated = true;
        for x in [a, b, c, d] {
            e.observe(x);
        }
        let all = e.since("2026-01-01T00:00:00.000Z");
        assert_eq!((all.requests, all.errors, all.unauthorized), (10, 9, 9));
        assert_eq!(e.since("2026-01-01T10:01:00.000Z").requests, 9);
        e.forget_minutes_before("2026-01-01T10:01:30.000Z");
        assert_eq!(e.since("2000-01-01T00:00:00.000Z").requests, 9);
    }

    #[test]
    fn misconfigurations_are_seen_from_traffic() {
        let mut e = Evidence::default();
        e.observe(ev(1, "POST", "/Users", 403));
        e.observe(ev(
            2,
            "GET",
            "/Groups?filter=displayName%20eq%20%22x%22",
            404,
        ));
        e.observe(ev(3, "POST", "/Groups", 404));
        for i in 0..7 {
            e.observe(ev(4 + i, "PUT", "/Users/gone", 404));
        }
        assert_eq!(e.create_refused.as_ref().map(|s| s.requests), Some(1));
        assert_eq!(e.groups_refused.as_ref().map(|s| s.requests), Some(2));
        assert_eq!(e.missing_users.len(), MISSING_KEPT);
        assert_eq!(e.missing_total, 7);
        assert_eq!(e.first_of(&[1]).map(|t| t.requests), Some(10));
        assert_eq!(e.last_request().map(|r| r.id), Some(10));
        assert_eq!(endpoint("/scim/v2/Users/1?x=y"), "/Users/1");
    }
}
