"""Resources: assignable assets, pools, slot assignments, closeouts and program holds."""
