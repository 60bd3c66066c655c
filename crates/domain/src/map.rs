//! Maps of France as SVG, computed once at import and served as text.
//!
//! Two frames: the *overview* (metropolitan France, with the five overseas regions in insets on the left,
//! in a fixed `viewBox`) where every territory and region is drawn together, and a *detail* frame per
//! territory, fitted to its own extent. Projection is equirectangular with the longitude scaled by the
//! cosine of the central latitude: at the scale of a region it is indistinguishable from Lambert-93 and
//! it keeps the code small.

use std::fmt::Write;

use geo::{Coord, LineString, MultiPolygon, Point, Polygon, Simplify};
use serde::Serialize;

/// The `viewBox` of the overview frame.
pub const OVERVIEW_VIEW_BOX: &str = "-190 0 1160 930";

const METRO_LON0: f64 = -5.3;
const METRO_LAT_MAX: f64 = 51.2;
const METRO_SCALE: f64 = 90.0;
const METRO_COS: f64 = 0.688; // cos(46.5°)

/// An inset of the overview frame for an overseas region.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Inset {
    /// Name of the region shown under the box.
    pub name: &'static str,
    /// Box in the overview frame: x, y, width, height.
    pub frame: (f64, f64, f64, f64),
    lon: (f64, f64),
    lat: (f64, f64),
}

const INSET_SIZE: f64 = 140.0;

const fn inset(i: usize, name: &'static str, lon: (f64, f64), lat: (f64, f64)) -> Inset {
    Inset {
        name,
        frame: (-180.0, 10.0 + i as f64 * 180.0, INSET_SIZE, INSET_SIZE),
        lon,
        lat,
    }
}

/// The five overseas insets, top to bottom.
pub const INSETS: [Inset; 5] = [
    inset(0, "Guadeloupe", (-61.85, -60.95), (15.80, 16.55)),
    inset(1, "Martinique", (-61.25, -60.80), (14.37, 14.90)),
    inset(2, "Guyane", (-54.65, -51.55), (2.05, 5.85)),
    inset(3, "La Réunion", (55.18, 55.88), (-21.42, -20.85)),
    inset(4, "Mayotte", (44.95, 45.32), (-13.02, -12.62)),
];

impl Inset {
    fn contains(&self, lon: f64, lat: f64) -> bool {
        (self.lon.0..=self.lon.1).contains(&lon) && (self.lat.0..=self.lat.1).contains(&lat)
    }

    fn project(&self, lon: f64, lat: f64) -> (f64, f64) {
        let cos = ((self.lat.0 + self.lat.1) / 2.0).to_radians().cos();
        let w = (self.lon.1 - self.lon.0) * cos;
        let h = self.lat.1 - self.lat.0;
        let scale = INSET_SIZE / w.max(h);
        let (x0, y0, fw, fh) = self.frame;
        let ox = x0 + (fw - w * scale) / 2.0;
        let oy = y0 + (fh - h * scale) / 2.0;
        (
            ox + (lon - self.lon.0) * cos * scale,
            oy + (self.lat.1 - lat) * scale,
        )
    }
}

/// Projects a WGS84 point into the overview frame; `None` for places outside metropolitan France and the
/// five overseas regions (Saint-Pierre-et-Miquelon, the Pacific…).
pub fn project_overview(lon: f64, lat: f64) -> Option<(f64, f64)> {
    if (-6.0..=10.0).contains(&lon) && (41.0..=51.5).contains(&lat) {
        return Some((
            (lon - METRO_LON0) * METRO_COS * METRO_SCALE,
            (METRO_LAT_MAX - lat) * METRO_SCALE,
        ));
    }
    INSETS
        .iter()
        .find(|i| i.contains(lon, lat))
        .map(|i| i.project(lon, lat))
}

/// A shape in WGS84 coordinates: polygons, and points for the few territories the source gives as points.
#[derive(Debug, Clone)]
pub struct Shape {
    /// Areas.
    pub polygons: MultiPolygon<f64>,
    /// Places given only as points.
    pub points: Vec<Point<f64>>,
}

impl Default for Shape {
    fn default() -> Self {
        Shape {
            polygons: MultiPolygon(Vec::new()),
            points: Vec::new(),
        }
    }
}

/// A shape ready for maps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contour {
    /// SVG path data in the overview frame.
    pub overview_path: String,
    /// Bounding box in the overview frame: min x, min y, max x, max y.
    pub overview_bbox: [f64; 4],
    /// SVG path data in the detail frame (`0 0 1000 detail_height`).
    pub detail_path: String,
    /// Height of the detail frame, whose width is 1000.
    pub detail_height: f64,
    /// The shape as a GeoJSON geometry (WGS84, simplified to about 100 m, coordinates to 5 decimals):
    /// what the open data publishes.
    pub geometry: String,
}

/// Tolerance of the published geometry's simplification, in degrees (about 100 m).
const GEOMETRY_TOLERANCE: f64 = 0.001;

/// Tolerance of the overview simplification, in overview units (about 1 km).
const OVERVIEW_TOLERANCE: f64 = 0.8;
/// Tolerance of the detail simplification, in units of a 1000-wide frame.
const DETAIL_TOLERANCE: f64 = 1.0;
const DETAIL_WIDTH: f64 = 1000.0;
const POINT_RADIUS_OVERVIEW: f64 = 3.0;

impl Shape {
    /// Computes both paths; `None` when nothing of the shape falls in a drawable frame.
    pub fn contour(&self) -> Option<Contour> {
        let (overview_path, overview_bbox) = self.overview()?;
        let (detail_path, detail_height) = self.detail()?;
        Some(Contour {
            overview_path,
            overview_bbox,
            detail_path,
            detail_height,
            geometry: self.geojson(),
        })
    }

    /// A GeoJSON geometry: its polygons (rings simplified, those below the tolerance dropped), or its
    /// points when it has no polygon.
    fn geojson(&self) -> String {
        let position = |c: &Coord<f64>| format!("[{:.5},{:.5}]", c.x, c.y);
        if self.polygons.0.is_empty() {
            let points: Vec<String> = self.points.iter().map(|p| position(&p.0)).collect();
            return format!(
                r#"{{"type":"MultiPoint","coordinates":[{}]}}"#,
                points.join(",")
            );
        }
        let polygons: Vec<String> = self
            .polygons
            .iter()
            .filter_map(|polygon| {
                let rings: Vec<String> = rings(polygon)
                    .map(|ring| ring.simplify(GEOMETRY_TOLERANCE))
                    .filter(|ring| ring.0.len() >= 4)
                    .map(|ring| {
                        let coords: Vec<String> = ring.0.iter().map(position).collect();
                        format!("[{}]", coords.join(","))
                    })
                    .collect();
                // A polygon whose outer ring vanished is below the resolution, holes and all.
                (!rings.is_empty() && polygon.exterior().simplify(GEOMETRY_TOLERANCE).0.len() >= 4)
                    .then(|| format!("[{}]", rings.join(",")))
            })
            .collect();
        format!(
            r#"{{"type":"MultiPolygon","coordinates":[{}]}}"#,
            polygons.join(",")
        )
    }

    fn overview(&self) -> Option<(String, [f64; 4])> {
        let mut path = String::new();
        let mut bbox = BBox::default();
        for polygon in &self.polygons {
            for ring in rings(polygon) {
                let projected: Option<Vec<Coord<f64>>> = ring
                    .coords()
                    .map(|c| project_overview(c.x, c.y).map(|(x, y)| Coord { x, y }))
                    .collect();
                if let Some(coords) = projected {
                    write_ring(
                        &mut path,
                        &mut bbox,
                        &LineString::new(coords),
                        OVERVIEW_TOLERANCE,
                    );
                }
            }
        }
        for p in &self.points {
            if let Some((x, y)) = project_overview(p.x(), p.y()) {
                write_circle(&mut path, &mut bbox, x, y, POINT_RADIUS_OVERVIEW);
            }
        }
        bbox.finite().map(|b| (path, b))
    }

    fn detail(&self) -> Option<(String, f64)> {
        let mut geo_box = BBox::default();
        for polygon in &self.polygons {
            for c in polygon.exterior().coords() {
                geo_box.add(c.x, c.y);
            }
        }
        for p in &self.points {
            geo_box.add(p.x(), p.y());
        }
        let [min_lon, min_lat, max_lon, max_lat] = geo_box.finite()?;
        let cos = ((min_lat + max_lat) / 2.0).to_radians().cos();
        let width = ((max_lon - min_lon) * cos).max(1e-3);
        let height = (max_lat - min_lat).max(1e-3);
        let scale = DETAIL_WIDTH / width;
        let to_frame = |lon: f64, lat: f64| Coord {
            x: (lon - min_lon) * cos * scale,
            y: (max_lat - lat) * scale,
        };
        let mut path = String::new();
        let mut bbox = BBox::default();
        for polygon in &self.polygons {
            for ring in rings(polygon) {
                let coords: Vec<Coord<f64>> = ring.coords().map(|c| to_frame(c.x, c.y)).collect();
                write_ring(
                    &mut path,
                    &mut bbox,
                    &LineString::new(coords),
                    DETAIL_TOLERANCE,
                );
            }
        }
        for p in &self.points {
            let c = to_frame(p.x(), p.y());
            write_circle(&mut path, &mut bbox, c.x, c.y, 12.0);
        }
        Some((path, (height * scale).max(1.0)))
    }
}

fn rings(polygon: &Polygon<f64>) -> impl Iterator<Item = &LineString<f64>> {
    std::iter::once(polygon.exterior()).chain(polygon.interiors())
}

fn write_ring(path: &mut String, bbox: &mut BBox, ring: &LineString<f64>, tolerance: f64) {
    let simplified = ring.simplify(tolerance);
    // A ring that simplifies to a sliver is an islet below the map's resolution.
    if simplified.0.len() < 4 {
        return;
    }
    for (i, c) in simplified.0.iter().take(simplified.0.len() - 1).enumerate() {
        bbox.add(c.x, c.y);
        let _ = write!(
            path,
            "{}{:.1} {:.1}",
            if i == 0 { 'M' } else { 'L' },
            c.x,
            c.y
        );
    }
    path.push('Z');
}

fn write_circle(path: &mut String, bbox: &mut BBox, x: f64, y: f64, r: f64) {
    bbox.add(x - r, y - r);
    bbox.add(x + r, y + r);
    let _ = write!(
        path,
        "M{:.1} {y:.1}a{r} {r} 0 1 0 {d} 0a{r} {r} 0 1 0 -{d} 0Z",
        x - r,
        d = 2.0 * r
    );
}

#[derive(Debug, Clone, Copy)]
struct BBox([f64; 4]);

impl Default for BBox {
    fn default() -> Self {
        BBox([
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ])
    }
}

impl BBox {
    fn add(&mut self, x: f64, y: f64) {
        self.0 = [
            self.0[0].min(x),
            self.0[1].min(y),
            self.0[2].max(x),
            self.0[3].max(y),
        ];
    }

    fn finite(self) -> Option<[f64; 4]> {
        self.0.iter().all(|v| v.is_finite()).then_some(self.0)
    }
}

/// A `viewBox` around points of the overview frame (as [`view_box_around`] frames them); `None` for no
/// point.
pub fn view_box_of_points(points: impl IntoIterator<Item = (f64, f64)>) -> Option<String> {
    let mut bbox = BBox::default();
    for (x, y) in points {
        bbox.add(x, y);
    }
    bbox.finite().map(view_box_around)
}

/// A `viewBox` around a bounding box of the overview frame, with a margin and a minimum size, so that a
/// region's or a territory's surroundings show.
pub fn view_box_around(bbox: [f64; 4]) -> String {
    let [x0, y0, x1, y1] = bbox;
    let size = (x1 - x0).max(y1 - y0).max(40.0) * 1.1;
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    format!(
        "{:.1} {:.1} {size:.1} {size:.1}",
        cx - size / 2.0,
        cy - size / 2.0
    )
}

#[cfg(test)]
mod tests {
    use geo::polygon;

    use super::*;

    #[test]
    fn metropolitan_points_land_in_the_frame_north_up() {
        let (px, py) = project_overview(2.35, 48.85).unwrap(); // Paris
        let (mx, my) = project_overview(5.37, 43.30).unwrap(); // Marseille
        assert!(py < my, "Paris is north of Marseille");
        assert!(px < mx, "Paris is west of Marseille");
        for (x, y) in [(px, py), (mx, my)] {
            assert!(
                (0.0..970.0).contains(&x) && (0.0..930.0).contains(&y),
                "{x} {y}"
            );
        }
    }

    #[test]
    fn overseas_points_go_to_their_inset() {
        let (x, y) = project_overview(55.45, -21.1).unwrap(); // Saint-Denis de La Réunion
        let (fx, fy, fw, fh) = INSETS[3].frame;
        assert!(x >= fx && x <= fx + fw && y >= fy && y <= fy + fh);
        assert_eq!(
            project_overview(-56.2, 46.8),
            None,
            "Saint-Pierre-et-Miquelon has no inset"
        );
    }

    #[test]
    fn a_square_becomes_a_closed_path_in_both_frames() {
        let square = polygon![(x: 4.0, y: 49.0), (x: 4.5, y: 49.0), (x: 4.5, y: 49.5), (x: 4.0, y: 49.5), (x: 4.0, y: 49.0)];
        let shape = Shape {
            polygons: MultiPolygon(vec![square]),
            points: vec![],
        };
        let c = shape.contour().unwrap();
        assert!(
            c.overview_path.starts_with('M') && c.overview_path.ends_with('Z'),
            "{}",
            c.overview_path
        );
        assert_eq!(c.overview_path.matches('L').count(), 3);
        assert!(c.detail_path.starts_with("M0.0 "), "{}", c.detail_path);
        // 0.5° of latitude against 0.5° of longitude scaled by cos(49.25°): taller than wide.
        assert!(
            (c.detail_height - 1000.0 / 49.25f64.to_radians().cos()).abs() < 1.0,
            "{}",
            c.detail_height
        );
        assert!(c.overview_bbox[0] < c.overview_bbox[2] && c.overview_bbox[1] < c.overview_bbox[3]);
    }

    #[test]
    fn points_become_circles_and_empty_shapes_have_no_contour() {
        let shape = Shape {
            polygons: MultiPolygon(vec![]),
            points: vec![Point::new(5.0, 45.0)],
        };
        let contour = shape.contour().unwrap();
        assert!(contour.overview_path.contains('a'));
        assert_eq!(
            contour.geometry,
            r#"{"type":"MultiPoint","coordinates":[[5.00000,45.00000]]}"#
        );
        assert_eq!(Shape::default().contour(), None);
    }

    #[test]
    fn the_published_geometry_is_wgs84_geojson_without_islets_below_100_m() {
        let square = |x: f64, y: f64, side: f64| {
            Polygon::new(
                LineString::from(vec![
                    (x, y),
                    (x + side, y),
                    (x + side, y + side),
                    (x, y + side),
                    (x, y),
                ]),
                vec![],
            )
        };
        let shape = Shape {
            polygons: MultiPolygon(vec![square(6.1, 48.6, 0.2), square(7.0, 48.0, 0.0001)]),
            points: vec![],
        };
        let geometry: serde_json::Value =
            serde_json::from_str(&shape.contour().unwrap().geometry).unwrap();
        assert_eq!(geometry["type"], "MultiPolygon");
        let polygons = geometry["coordinates"].as_array().unwrap();
        assert_eq!(polygons.len(), 1, "the islet is dropped");
        assert_eq!(
            polygons[0][0][0],
            serde_json::json!([6.1, 48.6]),
            "lon, lat"
        );
        assert_eq!(polygons[0][0].as_array().unwrap().len(), 5, "a closed ring");
    }

    #[test]
    fn view_boxes_are_square_with_a_margin() {
        assert_eq!(
            view_box_around([100.0, 100.0, 200.0, 150.0]),
            "95.0 70.0 110.0 110.0"
        );
    }
}
