//! `same_image`: containers of the same image started within 12 hours (context; reported,
//! not followed: a deployment's replicas).

use super::{Cx, HOUR, Hit};
use crate::query::QueryError;

/// Adds this reason's links from one subject's events to `hits`.
pub(super) fn hits(cx: &Cx<'_>, hits: &mut Vec<Hit>) -> Result<(), QueryError> {
    let Cx { facts, known, .. } = *cx;
    if let Some(f) = facts
        && let (Some(image), Some(start)) = (&f.image, f.started.or(f.created))
    {
        for c in known.containers.iter().filter(|c| {
            c.id != f.container_id
                && c.image.as_deref() == Some(image)
                && c.since.saturating_sub(start).saturating_abs() <= 12 * HOUR
        }) {
            hits.push(Hit {
                community_id: None,
                kind: "same_image",
                exe: None,
                host_id: c.host_id.clone(),
                container_id: Some(c.id.clone()),
                reason: format!("same image {image}, started within 12 h"),
                time: c.since,
                last: c.since,
                count: 1,
                follow: None,
            });
        }
    }
    Ok(())
}
