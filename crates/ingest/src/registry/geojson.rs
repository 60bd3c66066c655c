//! The part of GeoJSON the ANCT files use, read straight into `geo` shapes.

use geo::{Coord, LineString, MultiPolygon, Point, Polygon};
use serde::Deserialize;
use territoires_domain::map::Shape;

#[derive(Deserialize)]
pub(crate) struct FeatureCollection<P> {
    pub features: Vec<Feature<P>>,
}

#[derive(Deserialize)]
pub(crate) struct Feature<P> {
    pub properties: P,
    pub geometry: Option<Geometry>,
}

type Position = Vec<f64>;

#[derive(Deserialize)]
#[serde(tag = "type")]
// The variants are named after the GeoJSON types they read (RFC 7946).
#[allow(clippy::enum_variant_names)]
pub(crate) enum Geometry {
    Point {
        coordinates: Position,
    },
    MultiPoint {
        coordinates: Vec<Position>,
    },
    Polygon {
        coordinates: Vec<Vec<Position>>,
    },
    MultiPolygon {
        coordinates: Vec<Vec<Vec<Position>>>,
    },
    GeometryCollection {
        geometries: Vec<Geometry>,
    },
    /// Lines carry no area: they are read and left out.
    #[serde(other)]
    Other,
}

fn coord(p: &Position) -> Option<Coord<f64>> {
    match p.as_slice() {
        [x, y, ..] => Some(Coord { x: *x, y: *y }),
        _ => None,
    }
}

fn polygon(rings: &[Vec<Position>]) -> Option<Polygon<f64>> {
    let mut rings = rings
        .iter()
        .map(|r| LineString::new(r.iter().filter_map(coord).collect()));
    let exterior = rings.next()?;
    Some(Polygon::new(exterior, rings.collect()))
}

impl Geometry {
    /// Collects the areas and points of the geometry.
    pub(crate) fn into_shape(self, shape: &mut Shape) {
        match self {
            Geometry::Point { coordinates } => {
                shape.points.extend(coord(&coordinates).map(Point::from))
            }
            Geometry::MultiPoint { coordinates } => shape
                .points
                .extend(coordinates.iter().filter_map(coord).map(Point::from)),
            Geometry::Polygon { coordinates } => shape.polygons.0.extend(polygon(&coordinates)),
            Geometry::MultiPolygon { coordinates } => shape
                .polygons
                .0
                .extend(coordinates.iter().filter_map(|p| polygon(p))),
            Geometry::GeometryCollection { geometries } => {
                geometries.into_iter().for_each(|g| g.into_shape(shape))
            }
            Geometry::Other => {}
        }
    }
}

/// The shape of an optional geometry.
pub(crate) fn shape_of(geometry: Option<Geometry>) -> Shape {
    let mut shape = Shape {
        polygons: MultiPolygon(Vec::new()),
        points: Vec::new(),
    };
    if let Some(g) = geometry {
        g.into_shape(&mut shape);
    }
    shape
}
