//! Link-utilisation heatmaps of grid topologies as SVG (plotters' SVG backend; text is written
//! as `<text>` elements, so no font files are needed).
//!
//! The picture is the router grid seen from above, north up. Each router is a square; each
//! unidirectional link is an arrow-tipped bar in the channel between its two routers, on the
//! right-hand side of its direction of travel: eastbound bars below the channel's centre line,
//! westbound above, northbound to the right, southbound to the left. A torus's wraparound
//! links are drawn as two stubs, one leaving the source towards the grid edge and one entering
//! the destination from the opposite edge. The fill colour is the utilisation on a fixed scale
//! from 0 to 1 (ColorBrewer YlOrRd, values above 1 clamp to the top colour), shown in a
//! colour bar. Outlines tell the link kind: thin grey for on-die, thin black for die-to-die,
//! thick black for wafer-to-wafer. Die boundaries are dashed grey lines, wafer boundaries solid
//! black lines. Failed routers are grey squares with a red cross; their links are grey. Links
//! failed on their own (`failed_links`) are grey with a red cross.

use crate::link_export::link_utilisation;
use crate::link_stats::LinkStats;
use crate::topology::{Direction, Link, LinkKind, Topology};
use moesim_core::{Coord, Error, Result};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::colors::colormaps::{ColorMap, DerivedColorMap};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// The fixed colour scale (ColorBrewer YlOrRd, 5 classes) from utilisation 0 to 1.
const SCALE: [RGBColor; 5] = [
    RGBColor(255, 255, 178),
    RGBColor(254, 204, 92),
    RGBColor(253, 141, 60),
    RGBColor(240, 59, 32),
    RGBColor(189, 0, 38),
];
const FAILED_FILL: RGBColor = RGBColor(205, 205, 205);
const ON_DIE_STROKE: RGBColor = RGBColor(150, 150, 150);
const RED_MARK: RGBColor = RGBColor(220, 0, 0);
const BOUNDARY_GREY: RGBColor = RGBColor(120, 120, 120);

/// The colour of utilisation `u` on the fixed scale.
pub fn utilisation_colour(u: f64) -> RGBColor {
    let u = if u.is_finite() {
        u.clamp(0.0, 1.0)
    } else {
        0.0
    };
    DerivedColorMap::new(&SCALE).get_color(u)
}

/// Writes the heatmap of the whole-run utilisation in `stats` to `path`.
pub fn write_heatmap_svg(
    topo: &Topology,
    stats: &LinkStats,
    path: impl AsRef<Path>,
    title: &str,
) -> Result<()> {
    write_utilisation_svg(topo, &link_utilisation(topo, stats)?, path, title)
}

/// Writes the heatmap of an explicit per-link utilisation (indexed by `LinkId`) to `path`.
pub fn write_utilisation_svg(
    topo: &Topology,
    utilisation: &[f64],
    path: impl AsRef<Path>,
    title: &str,
) -> Result<()> {
    let svg = utilisation_svg(topo, utilisation, title)?;
    std::fs::write(path.as_ref(), svg).map_err(|e| Error::io(path, e))
}

/// The heatmap of an explicit per-link utilisation (indexed by `LinkId`) as SVG text.
pub fn utilisation_svg(topo: &Topology, utilisation: &[f64], title: &str) -> Result<String> {
    if utilisation.len() != topo.links.len() {
        return Err(Error::Check(format!(
            "heatmap: {} utilisation values for the {} links of `{}`",
            utilisation.len(),
            topo.links.len(),
            topo.name
        )));
    }
    if let Some(i) = utilisation.iter().position(|u| !u.is_finite() || *u < 0.0) {
        return Err(Error::Check(format!(
            "heatmap: utilisation of link {i} is {}, not a number >= 0",
            utilisation[i]
        )));
    }
    let g = Geometry::new(topo);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (g.width, g.height)).into_drawing_area();
        draw(&root, topo, utilisation, title, &g)
            .map_err(|e| Error::Check(format!("heatmap: {e}")))?;
        root.present()
            .map_err(|e| Error::Check(format!("heatmap: {e}")))?;
    }
    Ok(svg)
}

type DrawResult = std::result::Result<(), DrawingAreaErrorKind<std::io::Error>>;
type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Pixel geometry of the picture.
struct Geometry {
    pitch: f64,
    left: f64,
    top: f64,
    grid_w: f64,
    grid_h: f64,
    width: u32,
    height: u32,
    rows: u32,
    /// Half the side of a router square.
    half: f64,
    /// Gap between a router square and the end of a bar.
    gap: f64,
    /// Offset of a bar's lane from the channel's centre line.
    lane: f64,
    /// Bar thickness.
    thick: f64,
}

impl Geometry {
    fn new(topo: &Topology) -> Geometry {
        let (cols, rows) = (topo.shape.x.max(1), topo.shape.y.max(1));
        let pitch = (720.0 / cols.max(rows) as f64).clamp(28.0, 96.0).floor();
        let (left, top) = (48.0, 60.0);
        let (grid_w, grid_h) = (cols as f64 * pitch, rows as f64 * pitch);
        let width = (left + grid_w + 150.0).max(640.0) as u32;
        let height = (top + grid_h.max(240.0) + 110.0) as u32;
        Geometry {
            pitch,
            left,
            top,
            grid_w,
            grid_h,
            width,
            height,
            rows,
            half: 0.18 * pitch,
            gap: 0.04 * pitch,
            lane: 0.1 * pitch,
            thick: (0.12 * pitch).max(3.0),
        }
    }
    /// The centre of router `c` (north up).
    fn centre(&self, c: Coord) -> (f64, f64) {
        (
            self.left + (c.x as f64 + 0.5) * self.pitch,
            self.top + ((self.rows - 1 - c.y) as f64 + 0.5) * self.pitch,
        )
    }
}

fn px(x: f64, y: f64) -> (i32, i32) {
    (x.round() as i32, y.round() as i32)
}

fn font(size: f64) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(&BLACK)
}

fn centred(size: f64) -> TextStyle<'static> {
    font(size).pos(Pos::new(HPos::Center, VPos::Center))
}

fn draw(area: &Area, topo: &Topology, util: &[f64], title: &str, g: &Geometry) -> DrawResult {
    area.fill(&WHITE)?;
    area.draw(&Text::new(
        title.to_string(),
        px(g.width as f64 / 2.0, 24.0),
        centred(19.0),
    ))?;
    area.draw(&Text::new(
        topo.name.clone(),
        px(g.width as f64 / 2.0, 44.0),
        centred(13.0),
    ))?;
    draw_boundaries(area, topo, g)?;
    for l in &topo.links {
        draw_link(area, topo, l, util[l.id.index()], g)?;
    }
    draw_routers(area, topo, g)?;
    draw_colour_bar(area, g)?;
    draw_legend(area, topo, util, g)
}

/// Die boundaries (dashed grey) and wafer boundaries (solid black), plus the grid frame.
fn draw_boundaries(area: &Area, topo: &Topology, g: &Geometry) -> DrawResult {
    let (x0, y0) = (g.left, g.top);
    let (x1, y1) = (g.left + g.grid_w, g.top + g.grid_h);
    area.draw(&Rectangle::new(
        [px(x0, y0), px(x1, y1)],
        ShapeStyle::from(&RGBColor(225, 225, 225)).stroke_width(1),
    ))?;
    let layout = topo.layout;
    // Vertical boundary lines between columns x-1 and x; horizontal between rows y-1 and y.
    for x in 1..topo.shape.x {
        let at = g.left + x as f64 * g.pitch;
        boundary(area, x, layout.die.x, layout.wafer.x, (at, y0), (at, y1))?;
    }
    for y in 1..topo.shape.y {
        let at = g.top + (g.rows - y) as f64 * g.pitch;
        boundary(area, y, layout.die.y, layout.wafer.y, (x0, at), (x1, at))?;
    }
    Ok(())
}

fn boundary(area: &Area, i: u32, die: u32, wafer: u32, a: (f64, f64), b: (f64, f64)) -> DrawResult {
    let (a, b) = (px(a.0, a.1), px(b.0, b.1));
    if wafer > 0 && i.is_multiple_of(wafer) {
        area.draw(&PathElement::new(
            vec![a, b],
            ShapeStyle::from(&BLACK).stroke_width(3),
        ))?;
    } else if die > 0 && i.is_multiple_of(die) {
        area.draw(&DashedPathElement::new(
            vec![a, b],
            6,
            4,
            ShapeStyle::from(&BOUNDARY_GREY).stroke_width(1),
        ))?;
    }
    Ok(())
}

/// The outline style of a link kind.
fn kind_stroke(kind: LinkKind) -> ShapeStyle {
    match kind {
        LinkKind::OnDie => ShapeStyle::from(&ON_DIE_STROKE).stroke_width(1),
        LinkKind::DieToDie => ShapeStyle::from(&BLACK).stroke_width(1),
        LinkKind::WaferToWafer => ShapeStyle::from(&BLACK).stroke_width(2),
    }
}

/// An arrow-tipped bar from `s0` to `s1` along the travel axis, centred on `lane` across it.
/// `horizontal` selects the axis (x for east/west, y for north/south).
fn arrow(s0: f64, s1: f64, lane: f64, thick: f64, horizontal: bool) -> Vec<(i32, i32)> {
    let sign = if s1 >= s0 { 1.0 } else { -1.0 };
    let head = (0.5 * thick + 1.0).min((s1 - s0).abs() / 2.0);
    let h = thick / 2.0;
    let pts = [
        (s0, lane - h),
        (s1 - sign * head, lane - h),
        (s1, lane),
        (s1 - sign * head, lane + h),
        (s0, lane + h),
    ];
    pts.iter()
        .map(|&(s, c)| if horizontal { px(s, c) } else { px(c, s) })
        .collect()
}

/// The bars of link `l`: one for a grid link, two stubs for a wraparound link.
fn link_bars(topo: &Topology, l: &Link, g: &Geometry) -> Vec<Vec<(i32, i32)>> {
    let Some(dir) = l.direction else {
        return Vec::new();
    };
    let (a, b) = (
        g.centre(topo.router(l.src).coord),
        g.centre(topo.router(l.dst).coord),
    );
    // Travel axis coordinate, sign of travel in picture coordinates, lane across the axis.
    let (horizontal, sign, lane) = match dir {
        Direction::East => (true, 1.0, a.1 + g.lane),
        Direction::West => (true, -1.0, a.1 - g.lane),
        Direction::North => (false, -1.0, a.0 + g.lane),
        Direction::South => (false, 1.0, a.0 - g.lane),
    };
    let (sa, sb) = if horizontal { (a.0, b.0) } else { (a.1, b.1) };
    let edge = g.half + g.gap;
    if topo.is_wrap_link(l) {
        let reach = g.pitch / 2.0 - 1.0;
        vec![
            arrow(
                sa + sign * edge,
                sa + sign * reach,
                lane,
                g.thick,
                horizontal,
            ),
            arrow(
                sb - sign * reach,
                sb - sign * edge,
                lane,
                g.thick,
                horizontal,
            ),
        ]
    } else {
        vec![arrow(
            sa + sign * edge,
            sb - sign * edge,
            lane,
            g.thick,
            horizontal,
        )]
    }
}

fn draw_link(area: &Area, topo: &Topology, l: &Link, u: f64, g: &Geometry) -> DrawResult {
    let fill = if l.failed {
        FAILED_FILL
    } else {
        utilisation_colour(u)
    };
    // Links of failed routers are only greyed; links failed on their own also get a cross.
    let marked = l.failed && !topo.router(l.src).failed && !topo.router(l.dst).failed;
    for pts in link_bars(topo, l, g) {
        area.draw(&Polygon::new(pts.clone(), fill.filled()))?;
        let mut closed = pts.clone();
        closed.push(pts[0]);
        area.draw(&PathElement::new(closed, kind_stroke(l.kind)))?;
        if marked {
            let (xs, ys): (Vec<i32>, Vec<i32>) = pts.iter().copied().unzip();
            let mid = |v: &[i32]| {
                (v.iter().copied().min().unwrap_or(0) + v.iter().copied().max().unwrap_or(0)) as f64
                    / 2.0
            };
            cross(area, mid(&xs), mid(&ys), g.thick.max(4.0))?;
        }
    }
    Ok(())
}

fn cross(area: &Area, cx: f64, cy: f64, r: f64) -> DrawResult {
    let style = ShapeStyle::from(&RED_MARK).stroke_width(2);
    area.draw(&PathElement::new(
        vec![px(cx - r, cy - r), px(cx + r, cy + r)],
        style,
    ))?;
    area.draw(&PathElement::new(
        vec![px(cx - r, cy + r), px(cx + r, cy - r)],
        style,
    ))?;
    Ok(())
}

fn draw_routers(area: &Area, topo: &Topology, g: &Geometry) -> DrawResult {
    let label = g.pitch >= 60.0;
    for r in &topo.routers {
        let (cx, cy) = g.centre(r.coord);
        let corners = [px(cx - g.half, cy - g.half), px(cx + g.half, cy + g.half)];
        let fill = if r.failed {
            FAILED_FILL
        } else {
            RGBColor(240, 244, 250)
        };
        area.draw(&Rectangle::new(corners, fill.filled()))?;
        area.draw(&Rectangle::new(
            corners,
            ShapeStyle::from(&RGBColor(60, 60, 60)).stroke_width(1),
        ))?;
        if r.failed {
            cross(area, cx, cy, g.half * 0.8)?;
        } else if label {
            area.draw(&Text::new(
                format!("{},{}", r.coord.x, r.coord.y),
                px(cx, cy),
                centred((g.pitch * 0.13).min(12.0)),
            ))?;
        }
    }
    // Column indices under the grid, row indices left of it.
    let size = (g.pitch * 0.4).clamp(8.0, 12.0);
    for x in 0..topo.shape.x {
        let (cx, _) = g.centre(Coord::new(x, 0));
        area.draw(&Text::new(
            x.to_string(),
            px(cx, g.top + g.grid_h + 10.0),
            centred(size),
        ))?;
    }
    for y in 0..topo.shape.y {
        let (_, cy) = g.centre(Coord::new(0, y));
        area.draw(&Text::new(
            y.to_string(),
            px(g.left - 12.0, cy),
            centred(size),
        ))?;
    }
    Ok(())
}

fn draw_colour_bar(area: &Area, g: &Geometry) -> DrawResult {
    let x0 = g.left + g.grid_w + 40.0;
    let (w, top) = (18.0, g.top + 20.0);
    let h = (g.grid_h * 0.8).max(200.0);
    area.draw(&Text::new(
        "utilisation".to_string(),
        px(x0 + w / 2.0, g.top + 4.0),
        centred(12.0),
    ))?;
    let steps = 64;
    for i in 0..steps {
        // Top of the bar is 1, bottom is 0.
        let u = 1.0 - (i as f64 + 0.5) / steps as f64;
        let (ya, yb) = (
            top + h * i as f64 / steps as f64,
            top + h * (i + 1) as f64 / steps as f64,
        );
        area.draw(&Rectangle::new(
            [px(x0, ya), px(x0 + w, yb + 1.0)],
            utilisation_colour(u).filled(),
        ))?;
    }
    area.draw(&Rectangle::new(
        [px(x0, top), px(x0 + w, top + h)],
        ShapeStyle::from(&BLACK).stroke_width(1),
    ))?;
    for k in 0..=4 {
        let u = k as f64 / 4.0;
        let y = top + h * (1.0 - u);
        area.draw(&PathElement::new(
            vec![px(x0 + w, y), px(x0 + w + 4.0, y)],
            ShapeStyle::from(&BLACK).stroke_width(1),
        ))?;
        let text = if k == 4 {
            ">= 1".to_string()
        } else {
            format!("{u:.2}")
        };
        area.draw(&Text::new(
            text,
            px(x0 + w + 7.0, y),
            font(11.0).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(())
}

fn draw_legend(area: &Area, topo: &Topology, util: &[f64], g: &Geometry) -> DrawResult {
    let y = g.top + g.grid_h.max(240.0) + 32.0;
    let left = font(11.0).pos(Pos::new(HPos::Left, VPos::Center));
    let mut x = g.left;
    let mut entries: Vec<(LinkKind, &str)> = Vec::new();
    for (kind, name) in [
        (LinkKind::OnDie, "on-die link"),
        (LinkKind::DieToDie, "die-to-die link"),
        (LinkKind::WaferToWafer, "wafer-to-wafer link"),
    ] {
        if topo.links.iter().any(|l| l.kind == kind) {
            entries.push((kind, name));
        }
    }
    for (kind, name) in entries {
        let pts = arrow(x, x + 28.0, y, 7.0, true);
        area.draw(&Polygon::new(pts.clone(), utilisation_colour(0.5).filled()))?;
        let mut closed = pts.clone();
        closed.push(pts[0]);
        area.draw(&PathElement::new(closed, kind_stroke(kind)))?;
        area.draw(&Text::new(name.to_string(), px(x + 34.0, y), left.clone()))?;
        x += 34.0 + 7.0 * name.len() as f64 + 14.0;
    }
    if topo.links.iter().any(|l| l.failed) {
        let pts = arrow(x, x + 28.0, y, 7.0, true);
        area.draw(&Polygon::new(pts, FAILED_FILL.filled()))?;
        cross(area, x + 14.0, y, 4.0)?;
        area.draw(&Text::new(
            "failed link".to_string(),
            px(x + 34.0, y),
            left.clone(),
        ))?;
        x += 34.0 + 7.0 * 11.0 + 14.0;
    }
    if topo.routers.iter().any(|r| r.failed) {
        area.draw(&Rectangle::new(
            [px(x, y - 7.0), px(x + 14.0, y + 7.0)],
            FAILED_FILL.filled(),
        ))?;
        cross(area, x + 7.0, y, 5.0)?;
        area.draw(&Text::new(
            "failed router".to_string(),
            px(x + 20.0, y),
            left.clone(),
        ))?;
    }
    area.draw(&Text::new(
        "Each link is drawn on the right of its direction of travel: eastbound below, \
         westbound above, northbound right, southbound left."
            .to_string(),
        px(g.left, y + 22.0),
        left.clone(),
    ))?;
    area.draw(&Text::new(summary(topo, util), px(g.left, y + 42.0), left))?;
    Ok(())
}

/// "max U on (x,y)->(x,y) dir, mean M over N working links".
fn summary(topo: &Topology, util: &[f64]) -> String {
    let working: Vec<&Link> = topo.links.iter().filter(|l| !l.failed).collect();
    let Some(hot) = working
        .iter()
        .max_by(|a, b| util[a.id.index()].total_cmp(&util[b.id.index()]))
    else {
        return "no working links".to_string();
    };
    let mean = working.iter().map(|l| util[l.id.index()]).sum::<f64>() / working.len() as f64;
    format!(
        "max {:.3} on ({})->({}) {}, mean {:.3} over {} working links",
        util[hot.id.index()],
        topo.router(hot.src).coord,
        topo.router(hot.dst).coord,
        hot.direction.map_or("", |d| d.name()),
        mean,
        working.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::mesh::build_mesh;
    use moesim_core::MeshShape;

    #[test]
    fn scale_is_fixed_and_clamped() {
        assert_eq!(utilisation_colour(0.0), SCALE[0]);
        assert_eq!(utilisation_colour(1.0), SCALE[4]);
        assert_eq!(utilisation_colour(7.0), SCALE[4]);
        assert_eq!(utilisation_colour(f64::NAN), SCALE[0]);
        assert_eq!(utilisation_colour(0.5), SCALE[2]);
    }

    #[test]
    fn opposite_directions_use_separate_lanes() {
        let t = build_mesh(MeshShape::new(2, 2), 1, 1);
        let g = Geometry::new(&t);
        let e = &link_bars(
            &t,
            t.link_towards(moesim_core::RouterId(0), Direction::East)
                .unwrap(),
            &g,
        )[0];
        let w = &link_bars(
            &t,
            t.link_towards(moesim_core::RouterId(1), Direction::West)
                .unwrap(),
            &g,
        )[0];
        // Eastbound is below (larger y) and westbound above, without overlap.
        let (e_top, w_bottom) = (e[0].1, w[4].1);
        assert!(e_top > w_bottom, "{e:?} {w:?}");
        // The arrow tips point the way of travel.
        assert!(e[2].0 > e[0].0 && w[2].0 < w[0].0);
    }

    #[test]
    fn degenerate_grids_render() {
        for (x, y) in [(1, 1), (1, 5), (40, 2)] {
            let t = build_mesh(MeshShape::new(x, y), 1, 1);
            let svg = utilisation_svg(&t, &vec![0.5; t.links.len()], "t").unwrap();
            // One bar per link plus the on-die legend arrow (absent without links).
            let legend = usize::from(!t.links.is_empty());
            assert_eq!(svg.matches("<polygon").count(), t.links.len() + legend);
        }
    }

    #[test]
    fn wrong_lengths_and_bad_values_are_errors() {
        let t = build_mesh(MeshShape::new(2, 2), 1, 1);
        assert!(utilisation_svg(&t, &[0.0; 3], "x").is_err());
        let mut u = vec![0.0; t.links.len()];
        u[1] = f64::NAN;
        assert!(utilisation_svg(&t, &u, "x").is_err());
    }
}
