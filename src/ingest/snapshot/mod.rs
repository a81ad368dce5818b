//! Snapshot inputs (users, groups, subscribedSkus, error lists, memberships).
