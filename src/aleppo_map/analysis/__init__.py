"""Analysis of the timeline: areas, shares and the sources' own figures."""
