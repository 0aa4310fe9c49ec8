//! What a story rests on: the selections of the rows it was told from, one definition each,
//! used by [`super::build`] to read them and by `trace case` to bundle them as evidence.

use crate::query::Filter;
use crate::schema::Family;

use super::{Story, StoryRequest, StorySubject};

/// Every event of a container in the request's window.
pub(super) fn container_events(container_id: &str, req: &StoryRequest) -> Filter {
    Filter::events()
        .eq("container_id", container_id)
        .since(req.since)
        .until(req.until)
}

/// Every event of the processes `keys` on a host in the request's window.
pub(super) fn process_events(
    host_id: &str,
    keys: impl IntoIterator<Item = String>,
    req: &StoryRequest,
) -> Filter {
    Filter::events()
        .eq("host_id", host_id)
        .within("process_key", keys)
        .since(req.since)
        .until(req.until)
}

/// The rows `story` was told from: the subject's events (the timeline, files and
/// connections), the process events of its ancestors outside it (the lineage into the
/// host), and the Kubernetes API calls about its pod. Not the far side of its pivots, which
/// are stories of their own (each names its host or container).
pub fn grounds(story: &Story, req: &StoryRequest) -> Vec<Filter> {
    let mut out = Vec::new();
    match &req.subject {
        StorySubject::Container(_) => out.push(container_events(&story.subject.id, req)),
        _ => out.push(process_events(
            &story.host.host_id,
            story
                .processes
                .iter()
                .filter(|p| p.inside)
                .map(|p| p.key.clone()),
            req,
        )),
    }
    let outside: Vec<String> = story
        .processes
        .iter()
        .filter(|p| !p.inside)
        .map(|p| p.key.clone())
        .collect();
    if !outside.is_empty() {
        out.push(
            Filter::family(Family::Process)
                .eq("host_id", &story.host.host_id)
                .within("process_key", outside),
        );
    }
    if let Some(f) = story
        .container
        .as_ref()
        .and_then(|c| super::api::pod_calls_filter(c, story.window.since, story.window.until))
    {
        out.push(f);
    }
    out
}
