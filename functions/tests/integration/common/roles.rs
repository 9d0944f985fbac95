//! Named roles in the stores: store conformance checks (through `conformance_tests!`); the
//! HTTP flows are in `role_flows`.

use std::sync::Arc;

use functions::domain::model::*;
use functions::domain::orders::ports::PortalStore;
use functions::domain::ports::StoreError;
use functions::domain::tokens::{new_id, sha256_hex};

use super::members::{NOW, approved_org, audit, invited, mail};

fn role(org: &Organisation, name: &str, rights: &[Right]) -> Role {
    Role {
        id: new_id(),
        org_id: org.id.clone(),
        name: name.to_owned(),
        rights: rights.to_vec(),
        created_at: NOW,
    }
}

/// Invites a person holding `role_id` straight into the store.
async fn invited_with_role(
    store: &dyn PortalStore,
    org: &Organisation,
    email: &str,
    role_id: &str,
) -> Result<User, StoreError> {
    let user = User {
        id: new_id(),
        org_id: org.id.clone(),
        name: format!("Person {email}"),
        email: email.to_owned(),
        phone: String::new(),
        password_hash: None,
        created_at: NOW,
        role: MemberRole::Member,
        deactivated: false,
        role_id: Some(role_id.to_owned()),
        second_factor: None,
    };
    let token = TokenRecord {
        hash: sha256_hex(&new_id()),
        kind: TokenKind::Invite,
        user_id: user.id.clone(),
        org_id: org.id.clone(),
        expires_at: NOW + 7 * 86_400,
        used: false,
    };
    store
        .add_member(
            &user,
            &token,
            &mail(email),
            &audit(org, AuditAction::Invited, email),
        )
        .await?;
    Ok(user)
}

async fn give(
    store: &dyn PortalStore,
    org: &Organisation,
    user: &User,
    role_id: Option<&str>,
) -> Result<User, StoreError> {
    let after = User {
        role_id: role_id.map(str::to_owned),
        ..user.clone()
    };
    store
        .update_member(
            org,
            user,
            &after,
            &[mail(&user.email)],
            &audit(org, AuditAction::RoleChanged, &user.email),
        )
        .await?;
    Ok(after)
}

/// Roles are listed per organisation, renamed and deleted only as read, and their names
/// are unique per organisation (case-insensitive), free again once the role is gone.
pub async fn roles_are_kept_as_read_with_unique_names(store: Arc<dyn PortalStore>) {
    let (org, _) = approved_org(store.as_ref(), "rollen@amt.de").await;
    let (other, _) = approved_org(store.as_ref(), "rollen@anders.de").await;
    let buying = role(&org, "Beschaffung", &[Right::SeeAllOrders]);
    store
        .create_role(&buying, &audit(&org, AuditAction::RoleCreated, "b"))
        .await
        .expect("create");
    assert!(matches!(
        store
            .create_role(
                &role(&org, " beschaffung", &[Right::ManageMembers]),
                &audit(&org, AuditAction::RoleCreated, "dup"),
            )
            .await,
        Err(StoreError::NameTaken)
    ));
    // Another organisation may use the same name.
    store
        .create_role(
            &role(&other, "Beschaffung", &[Right::ManageMembers]),
            &audit(&other, AuditAction::RoleCreated, "b"),
        )
        .await
        .expect("same name elsewhere");
    let reception = role(&org, "Empfang", &[Right::ManageAddresses]);
    store
        .create_role(&reception, &audit(&org, AuditAction::RoleCreated, "e"))
        .await
        .expect("create");
    let mut listed = store.list_roles(&org.id).await.expect("list");
    listed.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(listed, [buying.clone(), reception.clone()]);
    assert_eq!(
        store.get_role(&buying.id).await.expect("get"),
        Some(buying.clone())
    );

    // Renaming to the other's name is refused; a stale record is refused.
    let clash = Role {
        name: "EMPFANG".to_owned(),
        ..buying.clone()
    };
    assert!(matches!(
        store
            .update_role(
                &buying,
                &clash,
                &[],
                &audit(&org, AuditAction::RoleEdited, "x")
            )
            .await,
        Err(StoreError::NameTaken)
    ));
    let renamed = Role {
        name: "Einkauf".to_owned(),
        rights: vec![Right::ManageMembers, Right::SeeAllOrders],
        ..buying.clone()
    };
    store
        .update_role(
            &buying,
            &renamed,
            &[mail("inhaberin@amt.de")],
            &audit(&org, AuditAction::RoleEdited, "r"),
        )
        .await
        .expect("rename");
    assert!(matches!(
        store
            .update_role(
                &buying,
                &renamed,
                &[mail("zweimal@amt.de")],
                &audit(&org, AuditAction::RoleEdited, "r")
            )
            .await,
        Err(StoreError::Conflict)
    ));
    // The holders' mail is queued with the change, and only with a change that happened.
    let queued = store
        .claim_mails(NOW + 10, NOW + 100, 100)
        .await
        .expect("outbox");
    assert!(queued.iter().any(|m| m.to == "inhaberin@amt.de"));
    assert!(!queued.iter().any(|m| m.to == "zweimal@amt.de"));
    assert!(matches!(
        store
            .delete_role(&buying, &audit(&org, AuditAction::RoleDeleted, "d"))
            .await,
        Err(StoreError::Conflict)
    ));
    // The old name is free after the rename, the new one after the deletion.
    store
        .create_role(
            &role(&org, "Beschaffung", &[Right::SeeAllOrders]),
            &audit(&org, AuditAction::RoleCreated, "b2"),
        )
        .await
        .expect("old name free");
    store
        .delete_role(&renamed, &audit(&org, AuditAction::RoleDeleted, "d"))
        .await
        .expect("delete");
    assert_eq!(store.get_role(&renamed.id).await.expect("get"), None);
    store
        .create_role(
            &role(&org, "Einkauf", &[Right::SeeAllOrders]),
            &audit(&org, AuditAction::RoleCreated, "e2"),
        )
        .await
        .expect("new name free");
    let trail = store.list_audit(&org.id).await.expect("audit");
    assert_eq!(
        trail
            .iter()
            .filter(|a| matches!(
                a.action,
                AuditAction::RoleCreated | AuditAction::RoleEdited | AuditAction::RoleDeleted
            ))
            .count(),
        6,
        "each change that happened, with its audit entry, and none of the refused"
    );
}

/// A person gets only a role that exists in their organisation; a role is deleted only
/// while nobody holds it (giving another role, deleting the person or making them the
/// Hauptadmin all release it).
pub async fn roles_are_given_only_while_they_exist(store: Arc<dyn PortalStore>) {
    let (org, _) = approved_org(store.as_ref(), "geben@amt.de").await;
    let (other, _) = approved_org(store.as_ref(), "geben@anders.de").await;
    let mine = role(&org, "Beschaffung", &[Right::SeeAllOrders]);
    let theirs = role(&other, "Fremd", &[Right::ManageMembers]);
    store
        .create_role(&mine, &audit(&org, AuditAction::RoleCreated, "m"))
        .await
        .expect("create");
    store
        .create_role(&theirs, &audit(&other, AuditAction::RoleCreated, "t"))
        .await
        .expect("create");

    // Unknown and foreign roles are refused, and nothing is written.
    for id in [new_id(), theirs.id.clone()] {
        assert!(matches!(
            invited_with_role(store.as_ref(), &org, "nie@amt.de", &id).await,
            Err(StoreError::Conflict)
        ));
        assert!(
            store
                .find_user_by_email("nie@amt.de")
                .await
                .expect("read")
                .is_none()
        );
    }
    let (plain, _) = invited(store.as_ref(), &org, "plain@amt.de", MemberRole::Member).await;
    assert!(matches!(
        give(store.as_ref(), &org, &plain, Some(&theirs.id)).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(
        store.get_user(&plain.id).await.expect("read"),
        Some(plain.clone())
    );

    // Held by an invited person: not deleted; free again once they have another role.
    let holder = invited_with_role(store.as_ref(), &org, "halter@amt.de", &mine.id)
        .await
        .expect("with role");
    let refused = store
        .delete_role(&mine, &audit(&org, AuditAction::RoleDeleted, "m"))
        .await;
    assert!(matches!(refused, Err(StoreError::Conflict)), "{refused:?}");
    let holder = give(store.as_ref(), &org, &holder, None)
        .await
        .expect("release");
    let plain = give(store.as_ref(), &org, &plain, Some(&mine.id))
        .await
        .expect("give");
    assert!(
        store
            .delete_role(&mine, &audit(&org, AuditAction::RoleDeleted, "m"))
            .await
            .is_err()
    );
    // Deleting the person releases it.
    store
        .delete_member(&org, &plain, &audit(&org, AuditAction::Deleted, "p"))
        .await
        .expect("delete person");
    store
        .delete_role(&mine, &audit(&org, AuditAction::RoleDeleted, "m"))
        .await
        .expect("nobody holds it");
    assert!(matches!(
        give(store.as_ref(), &org, &holder, Some(&mine.id)).await,
        Err(StoreError::Conflict)
    ));

    // The Hauptadmin holds every right: made Hauptadmin, a person's role is released.
    let second = role(&org, "Zweite", &[Right::ManageAddresses]);
    store
        .create_role(&second, &audit(&org, AuditAction::RoleCreated, "z"))
        .await
        .expect("create");
    let holder = give(store.as_ref(), &org, &holder, Some(&second.id))
        .await
        .expect("give");
    let invite_token = TokenRecord {
        hash: sha256_hex(&new_id()),
        kind: TokenKind::Reset,
        user_id: holder.id.clone(),
        org_id: org.id.clone(),
        expires_at: NOW + 3600,
        used: false,
    };
    store
        .issue_token(&invite_token, &mail(&holder.email))
        .await
        .expect("link");
    store
        .set_password(&invite_token.hash, &holder.id, "$argon2id$h", NOW)
        .await
        .expect("password");
    let holder = store
        .get_user(&holder.id)
        .await
        .expect("read")
        .expect("user");
    let org = store.get_org(&org.id).await.expect("read").expect("org");
    store
        .change_hauptadmin(
            &org,
            &holder,
            &audit(&org, AuditAction::HauptadminChanged, "h"),
        )
        .await
        .expect("hauptadmin");
    let now_hauptadmin = store
        .get_user(&holder.id)
        .await
        .expect("read")
        .expect("user");
    assert_eq!(now_hauptadmin.role_id, None);
    store
        .delete_role(&second, &audit(&org, AuditAction::RoleDeleted, "z"))
        .await
        .expect("released");
}

/// A role given and deleted at the same moment: one of the two wins, never both, so no
/// person ever holds a role that no longer exists.
pub async fn concurrent_giving_and_deleting_of_a_role_leave_no_dangling_role(
    store: Arc<dyn PortalStore>,
) {
    let (org, _) = approved_org(store.as_ref(), "gleichzeitig@amt.de").await;
    let (mut given_won, mut delete_won) = (0, 0);
    for round in 0..8 {
        let contested = role(&org, &format!("Rolle {round}"), &[Right::SeeAllOrders]);
        store
            .create_role(&contested, &audit(&org, AuditAction::RoleCreated, "c"))
            .await
            .expect("create");
        let (person, _) = invited(
            store.as_ref(),
            &org,
            &format!("p{round}@amt.de"),
            MemberRole::Member,
        )
        .await;
        let org_now = store.get_org(&org.id).await.expect("read").expect("org");
        let (giving, deleting) = {
            let (s1, s2) = (store.clone(), store.clone());
            let (o1, p1, r1) = (org_now.clone(), person.clone(), contested.id.clone());
            let (o2, r2) = (org_now.clone(), contested.clone());
            let give_task =
                tokio::spawn(async move { give(s1.as_ref(), &o1, &p1, Some(&r1)).await });
            let delete_task = tokio::spawn(async move {
                s2.delete_role(&r2, &audit(&o2, AuditAction::RoleDeleted, "d"))
                    .await
            });
            (
                give_task.await.expect("join"),
                delete_task.await.expect("join"),
            )
        };
        let stored_person = store
            .get_user(&person.id)
            .await
            .expect("read")
            .expect("user");
        let stored_role = store.get_role(&contested.id).await.expect("read");
        assert!(
            giving.is_ok() != deleting.is_ok(),
            "round {round}: exactly one wins: {giving:?} / {deleting:?}"
        );
        if giving.is_ok() {
            given_won += 1;
            assert_eq!(
                stored_person.role_id.as_deref(),
                Some(contested.id.as_str())
            );
            assert!(stored_role.is_some(), "round {round}: the held role stays");
        } else {
            delete_won += 1;
            assert_eq!(stored_person.role_id, None);
            assert!(stored_role.is_none());
        }
    }
    assert_eq!(given_won + delete_won, 8);
}
