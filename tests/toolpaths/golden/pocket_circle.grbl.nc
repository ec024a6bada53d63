(RMOS program: pocket_circle)
(design: d=20 depth=3 at X50 Y-40)
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
(work zero: X0 Y0 = centre of the pocket, Z0 = top of stock)
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
G0 X50 Y-40
G1 Z-1.5 F480
G1 X51.062 Y-40 F1440
G3 X48.938 Y-40 I-1.062 J0
G3 X51.062 Y-40 I1.062 J0
G1 X52.125 Y-40
G3 X47.875 Y-40 I-2.125 J0
G3 X52.125 Y-40 I2.125 J0
G1 X53.188 Y-40
G3 X46.812 Y-40 I-3.188 J0
G3 X53.188 Y-40 I3.188 J0
G1 X54.25 Y-40
G3 X45.75 Y-40 I-4.25 J0
G3 X54.25 Y-40 I4.25 J0
G1 X55.312 Y-40
G3 X44.688 Y-40 I-5.312 J0
G3 X55.312 Y-40 I5.312 J0
G1 X56.375 Y-40
G3 X43.625 Y-40 I-6.375 J0
G3 X56.375 Y-40 I6.375 J0
G1 X57.438 Y-40
G3 X42.562 Y-40 I-7.438 J0
G3 X57.438 Y-40 I7.438 J0
G1 X58.5 Y-40
G3 X41.5 Y-40 I-8.5 J0
G3 X58.5 Y-40 I8.5 J0
G1 Z-3 F480
G3 X41.5 Y-40 I-8.5 J0 F1440
G3 X58.5 Y-40 I8.5 J0
G1 X57.438 Y-40
G3 X42.562 Y-40 I-7.438 J0
G3 X57.438 Y-40 I7.438 J0
G1 X56.375 Y-40
G3 X43.625 Y-40 I-6.375 J0
G3 X56.375 Y-40 I6.375 J0
G1 X55.312 Y-40
G3 X44.688 Y-40 I-5.312 J0
G3 X55.312 Y-40 I5.312 J0
G1 X54.25 Y-40
G3 X45.75 Y-40 I-4.25 J0
G3 X54.25 Y-40 I4.25 J0
G1 X53.188 Y-40
G3 X46.812 Y-40 I-3.188 J0
G3 X53.188 Y-40 I3.188 J0
G1 X52.125 Y-40
G3 X47.875 Y-40 I-2.125 J0
G3 X52.125 Y-40 I2.125 J0
G1 X51.062 Y-40
G3 X48.938 Y-40 I-1.062 J0
G3 X51.062 Y-40 I1.062 J0
G1 X50 Y-40
G0 Z5
M5
G0 Z93
M30
