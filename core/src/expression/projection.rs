//! Projection expressions: which attributes a read returns.

use super::path::{IntoPath, Path};
use super::placeholders::Placeholders;

/// The attributes a read returns.
///
/// ```
/// use ferrodyn::expression::{attr, Projection};
/// let p = Projection::new().with(attr("status")).with(attr("total_cents"));
/// assert_eq!(p.len(), 2);
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct Projection {
    paths: Vec<Path<()>>,
}

impl Projection {
    /// An empty projection.
    pub fn new() -> Self {
        Projection::default()
    }

    /// Adds a path.
    pub fn with(mut self, path: impl IntoPath) -> Self {
        self.paths.push(path.into_path().cast());
        self
    }

    /// The number of paths.
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    /// Whether no path was added.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// Renders the paths, then each attribute of `required` (what decoding reads: the entity
    /// type, key attributes) that they do not name already.
    pub(crate) fn render(
        &self,
        placeholders: &mut Placeholders,
        required: impl IntoIterator<Item = &'static str>,
    ) -> String {
        let mut rendered: Vec<String> =
            self.paths.iter().map(|p| placeholders.path('p', p)).collect();
        for attribute in required {
            let name = placeholders.path('p', &Path::<()>::new(attribute));
            if !rendered.contains(&name) {
                rendered.push(name);
            }
        }
        rendered.join(", ")
    }
}

impl<T, I: IntoIterator<Item = Path<T>>> From<I> for Projection {
    fn from(paths: I) -> Self {
        paths.into_iter().fold(Projection::new(), Projection::with)
    }
}
