(RMOS program: slot)
(design: length=60 depth=3 angle=30 at X-20 Y10)
(tool: router:downcut_3mm - 3 mm 2-flute downcut T4)
(tool kind: router D3, cutting width 3)
(machine: router_a)
(cut: S18000 feed 1440 plunge 480 mm/min)
(depth: 2 passes of 1.5 mm)
(clearance plane: Z5, above every clamp - rapids to the first cut and)
(over clamps only there)
(retract plane between features, away from clamps: Z5)
(fixture: table_centre G54 - Table, work zero at the centre of travel)
(work zero: X0 Y0 = start point of the slot, Z0 = top of stock)
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
G0 X-20 Y10
G1 Z-1.5 F480
G1 X31.962 Y40 F1440
G1 Z-3 F480
G1 X-20 Y10 F1440
G0 Z5
M5
G0 Z93
M30
