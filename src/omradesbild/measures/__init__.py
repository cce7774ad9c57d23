"""Pure measures over DataFrames: segregation, agreement between classifications, priority."""
