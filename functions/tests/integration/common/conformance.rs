//! The store conformance suite: every `Store` implementation must pass all of it.

use std::sync::Arc;

use functions::domain::model::*;
use functions::domain::orders::ports::PortalStore;
use functions::domain::ports::StoreError;
use functions::domain::tokens::{new_id, sha256_hex};

const NOW: i64 = 1_800_000_000;

fn mail(to: &str, now: i64) -> OutgoingMail {
    OutgoingMail {
        id: new_id(),
        to: to.to_owned(),
        subject: "Betreff".to_owned(),
        body: "Text".to_owned(),
        created_at: now,
        ..Default::default()
    }
}

pub fn registration(email: &str, now: i64) -> NewRegistration {
    let org_id = new_id();
    let user_id = new_id();
    NewRegistration {
        org: Organisation {
            id: org_id.clone(),
            name: format!("Org {email}"),
            legal_form: "Zweckverband".to_owned(),
            street: "Weg 1".to_owned(),
            postcode: "12345".to_owned(),
            city: "Ort".to_owned(),
            in_house_capable: true,
            level: Some(catalog::model::CustomerScope::Kommune),
            status: OrgStatus::AwaitingConfirmation,
            admin_user_id: user_id.clone(),
            agb_version: "1".to_owned(),
            privacy_version: "2".to_owned(),
            created_at: now,
            decided_at: None,
            reject_reason: None,
            leitweg_id: String::new(),
            central_phone: String::new(),
            kind: Default::default(),
        },
        user: User {
            id: user_id.clone(),
            org_id: org_id.clone(),
            name: "Erika".to_owned(),
            email: email.to_owned(),
            phone: "030 123456".to_owned(),
            password_hash: None,
            created_at: now,
            role: MemberRole::Member,
            deactivated: false,
            second_factor: None,
            role_id: None,
        },
        confirm_token: TokenRecord {
            hash: sha256_hex(&new_id()),
            kind: TokenKind::Confirm,
            user_id,
            org_id,
            expires_at: now + 86_400,
            used: false,
        },
        mail: mail(email, now),
    }
}

async fn registered_and_confirmed(store: &dyn PortalStore, email: &str) -> NewRegistration {
    let reg = registration(email, NOW);
    store.create_registration(&reg).await.expect("create");
    store
        .confirm_email(
            &reg.confirm_token.hash,
            &reg.org.id,
            NOW + 1,
            &mail("op@x.de", NOW),
        )
        .await
        .expect("confirm");
    reg
}

pub async fn counters_are_read_and_deleted(store: Arc<dyn PortalStore>) {
    let store = store.as_ref();
    assert_eq!(store.read_counter("r1", NOW).await.expect("read"), None);
    store
        .increment_counter("r1", NOW, NOW + 60)
        .await
        .expect("inc");
    store
        .increment_counter("r1", NOW, NOW + 60)
        .await
        .expect("inc");
    assert_eq!(
        store.read_counter("r1", NOW + 1).await.expect("read"),
        Some(functions::domain::ports::Counter {
            count: 2,
            expires_at: NOW + 60
        }),
        "reading counts nothing"
    );
    assert_eq!(
        store.read_counter("r1", NOW + 60).await.expect("read"),
        None,
        "expired"
    );
    store.delete_counter("r1").await.expect("delete");
    store.delete_counter("r1").await.expect("delete twice");
    assert_eq!(store.read_counter("r1", NOW + 1).await.expect("read"), None);
    assert_eq!(
        store
            .increment_counter("r1", NOW + 2, NOW + 60)
            .await
            .expect("inc"),
        1,
        "starts again"
    );
}

/// Approval's invitation, then two resets: only the newest sets the password.
pub async fn a_new_password_link_voids_the_earlier_ones(store: Arc<dyn PortalStore>) {
    let store = store.as_ref();
    let reg = registered_and_confirmed(store, "voids@example.de").await;
    let invite = TokenRecord {
        hash: sha256_hex(&new_id()),
        kind: TokenKind::Invite,
        expires_at: NOW + 3600,
        used: false,
        ..reg.confirm_token.clone()
    };
    store
        .decide_registration(
            &reg.org.id,
            &Decision::Approve,
            NOW + 2,
            Some(&invite),
            &mail("voids@example.de", NOW),
        )
        .await
        .expect("approve");
    let reset = |n: u8| TokenRecord {
        hash: sha256_hex(&format!("{}-{n}", new_id())),
        kind: TokenKind::Reset,
        ..invite.clone()
    };
    let (first, second) = (reset(1), reset(2));
    for token in [&first, &second] {
        store
            .issue_token(token, &mail("voids@example.de", NOW))
            .await
            .expect("issue");
    }
    for older in [&invite, &first] {
        let record = store
            .get_token(&older.hash)
            .await
            .expect("get")
            .expect("kept");
        assert!(record.used, "{:?} is void", older.kind);
        let refused = store
            .set_password(&older.hash, &reg.user.id, "$argon2id$old", NOW + 3)
            .await;
        assert!(matches!(refused, Err(StoreError::Conflict)), "{refused:?}");
    }
    store
        .set_password(&second.hash, &reg.user.id, "$argon2id$new", NOW + 3)
        .await
        .expect("the newest link works");
    // Other accounts' links are untouched.
    let other = registration("untouched@example.de", NOW);
    store.create_registration(&other).await.expect("create");
    let other_reset = TokenRecord {
        hash: sha256_hex(&new_id()),
        kind: TokenKind::Reset,
        expires_at: NOW + 3600,
        ..other.confirm_token.clone()
    };
    store
        .issue_token(&other_reset, &mail("untouched@example.de", NOW))
        .await
        .expect("issue");
    let third = reset(3);
    store
        .issue_token(&third, &mail("voids@example.de", NOW))
        .await
        .expect("issue");
    assert!(
        !store
            .get_token(&other_reset.hash)
            .await
            .expect("get")
            .expect("kept")
            .used
    );
}

/// Links issued at the same moment: afterwards exactly one of them works.
pub async fn concurrent_password_links_leave_one_valid(store: Arc<dyn PortalStore>) {
    let reg = registration("race-links@example.de", NOW);
    store.create_registration(&reg).await.expect("create");
    let tokens: Vec<TokenRecord> = (0..8)
        .map(|_| TokenRecord {
            hash: sha256_hex(&new_id()),
            kind: TokenKind::Reset,
            expires_at: NOW + 3600,
            ..reg.confirm_token.clone()
        })
        .collect();
    let tasks: Vec<_> = tokens
        .iter()
        .cloned()
        .map(|token| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .issue_token(&token, &mail("race-links@example.de", NOW))
                    .await
            })
        })
        .collect();
    for task in tasks {
        // A link that lost every retry is refused as a whole (its mail is not queued).
        let _ = task.await.expect("join");
    }
    let mut usable = 0;
    for token in &tokens {
        if let Some(record) = store.get_token(&token.hash).await.expect("get")
            && !record.used
        {
            usable += 1;
        }
    }
    assert_eq!(usable, 1, "exactly one link stays valid");
}

pub async fn registration_writes_everything_and_reads_back(store: Arc<dyn PortalStore>) {
    let store = store.as_ref();
    let reg = registration("a@example.de", NOW);
    store.create_registration(&reg).await.expect("create");
    assert_eq!(
        store.get_org(&reg.org.id).await.expect("org"),
        Some(reg.org.clone())
    );
    assert_eq!(
        store.get_user(&reg.user.id).await.expect("user"),
        Some(reg.user.clone())
    );
    assert_eq!(
        store
            .find_user_by_email("a@example.de")
            .await
            .expect("find"),
        Some(reg.user.clone())
    );
    assert_eq!(
        store
            .find_user_by_email("nobody@example.de")
            .await
            .expect("find"),
        None
    );
    assert_eq!(
        store
            .get_token(&reg.confirm_token.hash)
            .await
            .expect("token"),
        Some(reg.confirm_token.clone())
    );
    assert_eq!(store.get_org("missing").await.expect("org"), None);
    let waiting = store
        .list_orgs_by_status(OrgStatus::AwaitingConfirmation)
        .await
        .expect("list");
    assert!(waiting.iter().any(|o| o.id == reg.org.id));
    assert!(
        store
            .list_orgs_by_status(OrgStatus::Approved)
            .await
            .expect("list")
            .is_empty()
    );
}

pub async fn duplicate_email_is_refused_and_writes_nothing(store: Arc<dyn PortalStore>) {
    let store = store.as_ref();
    let first = registration("dup@example.de", NOW);
    store.create_registration(&first).await.expect("first");
    let second = registration("dup@example.de", NOW);
    assert!(matches!(
        store.create_registration(&second).await,
        Err(StoreError::EmailTaken)
    ));
    assert_eq!(
        store.get_org(&second.org.id).await.expect("org"),
        None,
        "no organisation written"
    );
    assert_eq!(
        store.get_user(&second.user.id).await.expect("user"),
        None,
        "no user written"
    );
    assert_eq!(
        store
            .get_token(&second.confirm_token.hash)
            .await
            .expect("token"),
        None,
        "no token written"
    );
}

pub async fn concurrent_registrations_of_one_address_create_one(store: Arc<dyn PortalStore>) {
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .create_registration(&registration("race@example.de", NOW))
                    .await
            })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        match task.await.expect("join") {
            Ok(()) => created += 1,
            Err(StoreError::EmailTaken) => {}
            Err(other) => panic!("unexpected {other}"),
        }
    }
    assert_eq!(created, 1);
}

pub async fn confirmation_uses_the_token_once(store: Arc<dyn PortalStore>) {
    let store = store.as_ref();
    let reg = registration("confirm@example.de", NOW);
    store.create_registration(&reg).await.expect("create");
    let notice = mail("op@example.de", NOW);
    store
        .confirm_email(&reg.confirm_token.hash, &reg.org.id, NOW + 10, &notice)
        .await
        .expect("confirm");
    let org = store
        .get_org(&reg.org.id)
        .await
        .expect("org")
        .expect("exists");
    assert_eq!(org.status, OrgStatus::AwaitingReview);
    assert!(
        store
            .get_token(&reg.confirm_token.hash)
            .await
            .expect("token")
            .expect("exists")
            .used
    );
    let again = store
        .confirm_email(
            &reg.confirm_token.hash,
            &reg.org.id,
            NOW + 11,
            &mail("op@example.de", NOW),
        )
        .await;
    assert!(matches!(again, Err(StoreError::Conflict)), "{again:?}");
    let waiting = store
        .list_orgs_by_status(OrgStatus::AwaitingReview)
        .await
        .expect("list");
    assert!(waiting.iter().any(|o| o.id == reg.org.id));
}

pub async fn expired_token_is_refused(store: Arc<dyn PortalStore>) {
    let store = store.as_ref();
    let reg = registration("expired@example.de", NOW);
    store.create_registration(&reg).await.expect("create");
    let late = reg.confirm_token.expires_at;
    let result = store
        .confirm_email(
            &reg.confirm_token.hash,
            &reg.org.id,
            late,
            &mail("op@example.de", NOW),
        )
        .await;
    assert!(matches!(result, Err(StoreError::Conflict)), "{result:?}");
    assert_eq!(
        store
            .get_org(&reg.org.id)
            .await
            .expect("org")
            .expect("org")
            .status,
        OrgStatus::AwaitingConfirmation
    );
}

pub async fn failed_condition_leaves_the_token_unused(store: Arc<dyn PortalStore>) {
    let store = store.as_ref();
    // The organisation is no longer awaiting confirmation: the whole transaction fails and
    // the token stays unused.
    let reg = registered_and_confirmed(store, "atomic@example.de").await;
    let token = TokenRecord {
        hash: sha256_hex(&new_id()),
        kind: TokenKind::Confirm,
        ..reg.confirm_token.clone()
    };
    store
        .issue_token(&token, &mail("atomic@example.de", NOW))
        .await
        .expect("issue");
    let result = store
        .confirm_email(
            &token.hash,
            &reg.org.id,
            NOW + 5,
            &mail("op@example.de", NOW),
        )
        .await;
    assert!(matches!(result, Err(StoreError::Conflict)), "{result:?}");
    assert!(
        !store
            .get_token(&token.hash)
            .await
            .expect("token")
            .expect("exists")
            .used
    );
}

pub async fn decisions_need_the_expected_status(store: Arc<dyn PortalStore>) {
    let store = store.as_ref();
    let unconfirmed = registration("early@example.de", NOW);
    store
        .create_registration(&unconfirmed)
        .await
        .expect("create");
    let early = store
        .decide_registration(
            &unconfirmed.org.id,
            &Decision::Approve,
            NOW,
            None,
            &mail("x@y.de", NOW),
        )
        .await;
    assert!(matches!(early, Err(StoreError::Conflict)), "{early:?}");
    let missing = store
        .decide_registration(
            "missing",
            &Decision::Approve,
            NOW,
            None,
            &mail("x@y.de", NOW),
        )
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");

    let reg = registered_and_confirmed(store, "decide@example.de").await;
    let invite = TokenRecord {
        hash: sha256_hex(&new_id()),
        kind: TokenKind::Invite,
        ..reg.confirm_token.clone()
    };
    store
        .decide_registration(
            &reg.org.id,
            &Decision::Approve,
            NOW + 20,
            Some(&invite),
            &mail("decide@example.de", NOW),
        )
        .await
        .expect("approve");
    let org = store.get_org(&reg.org.id).await.expect("org").expect("org");
    assert_eq!(
        (org.status, org.decided_at),
        (OrgStatus::Approved, Some(NOW + 20))
    );
    assert_eq!(
        store
            .get_token(&invite.hash)
            .await
            .expect("token")
            .map(|t| t.kind),
        Some(TokenKind::Invite)
    );
    let twice = store
        .decide_registration(
            &reg.org.id,
            &Decision::Reject { reason: "x".into() },
            NOW,
            None,
            &mail("x@y.de", NOW),
        )
        .await;
    assert!(matches!(twice, Err(StoreError::Conflict)), "{twice:?}");
    assert_eq!(
        store
            .get_org(&reg.org.id)
            .await
            .expect("org")
            .expect("org")
            .status,
        OrgStatus::Approved
    );

    let rejected = registered_and_confirmed(store, "reject@example.de").await;
    let reason = Decision::Reject {
        reason: "Keine öffentliche Stelle".to_owned(),
    };
    store
        .decide_registration(
            &rejected.org.id,
            &reason,
            NOW,
            None,
            &mail("reject@example.de", NOW),
        )
        .await
        .expect("reject");
    let org = store
        .get_org(&rejected.org.id)
        .await
        .expect("org")
        .expect("org");
    assert_eq!(org.status, OrgStatus::Rejected);
    assert_eq!(
        org.reject_reason.as_deref(),
        Some("Keine öffentliche Stelle")
    );
}

pub async fn concurrent_decisions_leave_exactly_one(store: Arc<dyn PortalStore>) {
    let reg = registered_and_confirmed(store.as_ref(), "twodecisions@example.de").await;
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let store = store.clone();
            let id = reg.org.id.clone();
            tokio::spawn(async move {
                let decision = if i % 2 == 0 {
                    Decision::Approve
                } else {
                    Decision::Reject {
                        reason: format!("r{i}"),
                    }
                };
                store
                    .decide_registration(&id, &decision, NOW, None, &mail("x@y.de", NOW))
                    .await
            })
        })
        .collect();
    let mut wins = 0;
    for task in tasks {
        match task.await.expect("join") {
            Ok(()) => wins += 1,
            Err(StoreError::Conflict) => {}
            Err(other) => panic!("unexpected {other}"),
        }
    }
    assert_eq!(wins, 1);
}

pub async fn password_is_set_once_per_token(store: Arc<dyn PortalStore>) {
    let store = store.as_ref();
    let reg = registration("password@example.de", NOW);
    store.create_registration(&reg).await.expect("create");
    let reset = TokenRecord {
        hash: sha256_hex(&new_id()),
        kind: TokenKind::Reset,
        expires_at: NOW + 3600,
        ..reg.confirm_token.clone()
    };
    store
        .issue_token(&reset, &mail("password@example.de", NOW))
        .await
        .expect("issue");
    store
        .set_password(&reset.hash, &reg.user.id, "$argon2id$first", NOW + 1)
        .await
        .expect("set");
    let user = store
        .get_user(&reg.user.id)
        .await
        .expect("user")
        .expect("user");
    assert_eq!(user.password_hash.as_deref(), Some("$argon2id$first"));
    assert_eq!(
        store
            .find_user_by_email("password@example.de")
            .await
            .expect("find")
            .and_then(|u| u.password_hash)
            .as_deref(),
        Some("$argon2id$first")
    );
    let again = store
        .set_password(&reset.hash, &reg.user.id, "$argon2id$second", NOW + 2)
        .await;
    assert!(matches!(again, Err(StoreError::Conflict)), "{again:?}");
    let expired = TokenRecord {
        hash: sha256_hex(&new_id()),
        ..reset.clone()
    };
    store
        .issue_token(&expired, &mail("password@example.de", NOW))
        .await
        .expect("issue");
    let late = store
        .set_password(&expired.hash, &reg.user.id, "$argon2id$late", NOW + 3600)
        .await;
    assert!(matches!(late, Err(StoreError::Conflict)), "{late:?}");
    let user = store
        .get_user(&reg.user.id)
        .await
        .expect("user")
        .expect("user");
    assert_eq!(user.password_hash.as_deref(), Some("$argon2id$first"));
}

pub async fn sessions_are_created_read_touched_and_deleted(store: Arc<dyn PortalStore>) {
    let store = store.as_ref();
    let session = |user: &str| Session {
        id_hash: sha256_hex(&new_id()),
        user_id: user.to_owned(),
        org_id: "org".to_owned(),
        created_at: NOW,
        last_seen: NOW,
        expires_at: NOW + 3600,
    };
    let a = session("u1");
    let b = session("u1");
    let c = session("u2");
    for s in [&a, &b, &c] {
        store.create_session(s).await.expect("create");
    }
    assert!(matches!(
        store.create_session(&a).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(
        store.get_session(&a.id_hash).await.expect("get"),
        Some(a.clone())
    );
    store
        .touch_session(&a.id_hash, NOW + 100, NOW + 3700)
        .await
        .expect("touch");
    let touched = store
        .get_session(&a.id_hash)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(
        (touched.last_seen, touched.expires_at),
        (NOW + 100, NOW + 3700)
    );
    store.delete_session(&a.id_hash).await.expect("delete");
    assert_eq!(store.get_session(&a.id_hash).await.expect("get"), None);
    store
        .delete_session(&a.id_hash)
        .await
        .expect("deleting twice is fine");
    store
        .touch_session(&a.id_hash, NOW + 200, NOW + 3800)
        .await
        .expect("touching a deleted session is a no-op");
    assert_eq!(
        store.get_session(&a.id_hash).await.expect("get"),
        None,
        "touch does not resurrect"
    );
    store.delete_user_sessions("u1").await.expect("delete all");
    assert_eq!(store.get_session(&b.id_hash).await.expect("get"), None);
    assert!(
        store.get_session(&c.id_hash).await.expect("get").is_some(),
        "other users keep theirs"
    );
}

pub async fn outbox_claims_lease_and_marks_sent(store: Arc<dyn PortalStore>) {
    let store = store.as_ref();
    // Drain what earlier checks queued.
    loop {
        let batch = store.claim_mails(NOW, NOW + 60, 50).await.expect("claim");
        if batch.is_empty() {
            break;
        }
        for m in batch {
            store.mark_mail_sent(&m.id, NOW).await.expect("sent");
        }
    }
    let first = mail("outbox1@example.de", NOW + 1);
    let second = mail("outbox2@example.de", NOW + 2);
    store.enqueue_mail(&first).await.expect("enqueue");
    store.enqueue_mail(&second).await.expect("enqueue");
    let claimed = store
        .claim_mails(NOW + 10, NOW + 70, 10)
        .await
        .expect("claim");
    assert_eq!(claimed, vec![first.clone(), second.clone()], "oldest first");
    assert!(
        store
            .claim_mails(NOW + 20, NOW + 80, 10)
            .await
            .expect("claim")
            .is_empty(),
        "leased"
    );
    store
        .mark_mail_sent(&first.id, NOW + 30)
        .await
        .expect("sent");
    let again = store
        .claim_mails(NOW + 70, NOW + 130, 10)
        .await
        .expect("claim");
    assert_eq!(
        again,
        vec![second.clone()],
        "lease expired, unsent mail comes back"
    );
    store
        .mark_mail_sent(&second.id, NOW + 71)
        .await
        .expect("sent");
    assert!(
        store
            .claim_mails(NOW + 500, NOW + 560, 10)
            .await
            .expect("claim")
            .is_empty()
    );
}

pub async fn counters_count_expire_and_survive_concurrency(store: Arc<dyn PortalStore>) {
    assert_eq!(
        store
            .increment_counter("c1", NOW, NOW + 60)
            .await
            .expect("inc"),
        1
    );
    assert_eq!(
        store
            .increment_counter("c1", NOW + 1, NOW + 60)
            .await
            .expect("inc"),
        2
    );
    assert_eq!(
        store
            .increment_counter("c1", NOW + 60, NOW + 120)
            .await
            .expect("inc"),
        1,
        "expired counter restarts"
    );
    assert_eq!(
        store
            .increment_counter("c1", NOW + 61, NOW + 120)
            .await
            .expect("inc"),
        2
    );
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .increment_counter("c2", NOW, NOW + 60)
                    .await
                    .expect("inc")
            })
        })
        .collect();
    let mut counts = Vec::new();
    for task in tasks {
        counts.push(task.await.expect("join"));
    }
    counts.sort_unstable();
    assert_eq!(
        counts,
        (1..=20).collect::<Vec<u64>>(),
        "every increment counted once"
    );
}

pub async fn unconfirmed_registration_is_deleted_only_while_unconfirmed(
    store: Arc<dyn PortalStore>,
) {
    let store = store.as_ref();
    let unconfirmed = registration("vergessen@example.de", NOW);
    store
        .create_registration(&unconfirmed)
        .await
        .expect("create");
    store
        .delete_unconfirmed_registration(&unconfirmed.org)
        .await
        .expect("delete");
    assert!(
        store
            .get_org(&unconfirmed.org.id)
            .await
            .expect("org")
            .is_none()
    );
    assert!(
        store
            .find_user_by_email("vergessen@example.de")
            .await
            .expect("user")
            .is_none()
    );
    assert!(
        store
            .get_user(&unconfirmed.user.id)
            .await
            .expect("user")
            .is_none(),
        "the administrator is gone"
    );
    assert!(matches!(
        store
            .delete_unconfirmed_registration(&unconfirmed.org)
            .await,
        Err(StoreError::NotFound)
    ));
    // The address is free again.
    let again = registration("vergessen@example.de", NOW + 100);
    store
        .create_registration(&again)
        .await
        .expect("register again");

    let confirmed = registered_and_confirmed(store, "bestaetigt@example.de").await;
    assert!(matches!(
        store.delete_unconfirmed_registration(&confirmed.org).await,
        Err(StoreError::Conflict)
    ));
    assert!(
        store
            .get_org(&confirmed.org.id)
            .await
            .expect("org")
            .is_some()
    );
    assert!(
        store
            .find_user_by_email("bestaetigt@example.de")
            .await
            .expect("user")
            .is_some(),
        "a confirmed registration stays whole"
    );
}

/// One `#[test]` per store check, each on a fresh, empty store made by `$make` (so one
/// failure never hides the others). Both store test files call it.
#[macro_export]
macro_rules! conformance_tests {
    ($make:expr) => {
        mod conformance {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn checkout_creates_one_order_per_line_once() {
                $crate::common::checkout::checkout_creates_one_order_per_line_once($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn a_failed_checkout_stores_nothing() {
                $crate::common::checkout::a_failed_checkout_stores_nothing($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn concurrent_checkouts_of_a_cart_order_once() {
                $crate::common::checkout::concurrent_checkouts_of_a_cart_order_once($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn the_checkout_over_http() {
                $crate::common::checkout::the_checkout_over_http($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn a_checkout_at_the_cap() {
                $crate::common::checkout::a_checkout_at_the_cap($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn cart_lines_belong_to_their_person() {
                $crate::common::cart::cart_lines_belong_to_their_person($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn concurrent_changes_of_a_line_leave_one() {
                $crate::common::cart::concurrent_changes_of_a_line_leave_one($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sign_in_returns_to_the_page_asked_for() {
                $crate::common::return_to::sign_in_returns_to_the_page_asked_for($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn the_second_factor_keeps_the_page_asked_for() {
                $crate::common::return_to::the_second_factor_keeps_the_page_asked_for($make.await)
                    .await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn the_cart_cap_holds_under_concurrency() {
                $crate::common::cart::the_cart_cap_holds_under_concurrency($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn the_cart_over_http() {
                $crate::common::cart::the_cart_over_http($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn cart_lines_are_checked_and_priced_from_the_catalog() {
                $crate::common::cart::cart_lines_are_checked_and_priced_from_the_catalog(
                    $make.await,
                )
                .await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn addresses_keep_exactly_one_default() {
                $crate::common::addresses::addresses_keep_exactly_one_default($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn concurrent_default_changes_leave_one() {
                $crate::common::addresses::concurrent_default_changes_leave_one($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn unconfirmed_registration_is_deleted_only_while_unconfirmed() {
                $crate::common::conformance::unconfirmed_registration_is_deleted_only_while_unconfirmed(
                    $make.await,
                )
                .await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn registration_writes_everything_and_reads_back() {
                $crate::common::conformance::registration_writes_everything_and_reads_back(
                    $make.await,
                )
                .await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn duplicate_email_is_refused_and_writes_nothing() {
                $crate::common::conformance::duplicate_email_is_refused_and_writes_nothing(
                    $make.await,
                )
                .await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn concurrent_registrations_of_one_address_create_one() {
                $crate::common::conformance::concurrent_registrations_of_one_address_create_one(
                    $make.await,
                )
                .await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn confirmation_uses_the_token_once() {
                $crate::common::conformance::confirmation_uses_the_token_once($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn expired_token_is_refused() {
                $crate::common::conformance::expired_token_is_refused($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn failed_condition_leaves_the_token_unused() {
                $crate::common::conformance::failed_condition_leaves_the_token_unused($make.await)
                    .await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn decisions_need_the_expected_status() {
                $crate::common::conformance::decisions_need_the_expected_status($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn concurrent_decisions_leave_exactly_one() {
                $crate::common::conformance::concurrent_decisions_leave_exactly_one($make.await)
                    .await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn password_is_set_once_per_token() {
                $crate::common::conformance::password_is_set_once_per_token($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sessions_are_created_read_touched_and_deleted() {
                $crate::common::conformance::sessions_are_created_read_touched_and_deleted(
                    $make.await,
                )
                .await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn outbox_claims_lease_and_marks_sent() {
                $crate::common::conformance::outbox_claims_lease_and_marks_sent($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn counters_count_expire_and_survive_concurrency() {
                $crate::common::conformance::counters_count_expire_and_survive_concurrency(
                    $make.await,
                )
                .await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn counters_are_read_and_deleted() {
                $crate::common::conformance::counters_are_read_and_deleted($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn a_new_password_link_voids_the_earlier_ones() {
                $crate::common::conformance::a_new_password_link_voids_the_earlier_ones(
                    $make.await,
                )
                .await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn concurrent_password_links_leave_one_valid() {
                $crate::common::conformance::concurrent_password_links_leave_one_valid($make.await)
                    .await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn members_are_added_once_per_address() {
                $crate::common::members::members_are_added_once_per_address($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn concurrent_invitations_of_one_address_add_one() {
                $crate::common::members::concurrent_invitations_of_one_address_add_one($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn the_hauptadmin_is_out_of_the_organisations_reach() {
                $crate::common::members::the_hauptadmin_is_out_of_the_organisations_reach($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn member_changes_need_the_state_as_read() {
                $crate::common::members::member_changes_need_the_state_as_read($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn a_deleted_member_frees_the_address_and_voids_the_invitation() {
                $crate::common::members::a_deleted_member_frees_the_address_and_voids_the_invitation($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn the_hauptadmin_changes_only_to_an_active_member_with_a_password() {
                $crate::common::members::the_hauptadmin_changes_only_to_an_active_member_with_a_password($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn reissued_invitations_void_the_earlier_and_need_a_pending_member() {
                $crate::common::members::reissued_invitations_void_the_earlier_and_need_a_pending_member($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn roles_are_kept_as_read_with_unique_names() {
                $crate::common::roles::roles_are_kept_as_read_with_unique_names($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn roles_are_given_only_while_they_exist() {
                $crate::common::roles::roles_are_given_only_while_they_exist($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn concurrent_giving_and_deleting_of_a_role_leave_no_dangling_role() {
                $crate::common::roles::concurrent_giving_and_deleting_of_a_role_leave_no_dangling_role($make.await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn own_records_change_only_as_read() {
                $crate::common::profile::own_records_change_only_as_read($make.await).await;
            }
        }
    };
}
