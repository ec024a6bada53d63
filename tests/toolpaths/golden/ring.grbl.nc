(RMOS program: ring)
(design: od=100 inner_d=90 width=5 depth=3 at X0 Y0)
(tool: router:downcut_3mm - 3 mm 2-flute downcut T4)
(tool kind: router D3, cutting width 3)
(machine: router_a)
(cut: S18000 feed 1440 plunge 480 mm/min)
(depth: 2 passes of 1.5 mm)
(clearance plane: Z5, above every clamp - rapids to the first cut and)
(over clamps only there)
(retract plane between features, away from clamps: Z5)
(stepover 1.2 mm)
(fixture: table_centre G54 - Table, work zero at the centre of travel)
(work zero: X0 Y0 = centre of the ring, Z0 = top of stock)
(touch off Z0 on the stock: 6 mm above the fixture bed)
(X Y Z = tool tip centre)
(units: mm)
(entry: straight plunge at F480: centre-cutting D3, 1.5 mm per level)
(at most)
G40 G49 G80
G21 G90 G91.1 G94 G17 G54
(LOAD TOOL: router:downcut_3mm - 3 mm 2-flute downcut)
(TOUCH OFF Z0: the tool tip on the top of the stock, 6 mm above the)
(fixture bed, then press cycle start)
M0
G0 Z5
M3 S18000
G4 P2
G0 X46.5 Y0
G1 Z-1.5 F480
G3 X-46.5 Y0 I-46.5 J0 F1440
G3 X46.5 Y0 I46.5 J0
G1 X47.5 Y0
G3 X-47.5 Y0 I-47.5 J0
G3 X47.5 Y0 I47.5 J0
G1 X48.5 Y0
G3 X-48.5 Y0 I-48.5 J0
G3 X48.5 Y0 I48.5 J0
G1 Z-3 F480
G3 X-48.5 Y0 I-48.5 J0 F1440
G3 X48.5 Y0 I48.5 J0
G1 X47.5 Y0
G3 X-47.5 Y0 I-47.5 J0
G3 X47.5 Y0 I47.5 J0
G1 X46.5 Y0
G3 X-46.5 Y0 I-46.5 J0
G3 X46.5 Y0 I46.5 J0
G0 Z5
M5
G0 Z93
M30
