// The numbering plans we serve, as data. Patterns and lengths are libphonenumber's
// metadata (PhoneNumberMetadata.xml as shipped in Python phonenumbers 9.0.43) for these
// regions, copied verbatim so results agree with it; Fixtures/phone-vectors.tsv checks that.
// Patterns match the whole national significant number. Our one deliberate addition is
// Mexico's `mobileToken` (see PhoneNumberParser).
//
// To update: take the same fields from newer metadata (generalDesc, fixedLine, mobile and
// the special services), and re-run the tests.

extension PhoneRegion {
    /// Table order matters only for shared calling codes: +1 numbers are tried as US first,
    /// then Canada, and `resolve("1")` gives the US.
    static let table: [PhoneRegion] = [
        // Guatemala
        PhoneRegion(
            code: "GT", callingCode: "502",
            internationalPrefix: #"00"#,
            lengths: [8, 11],
            general: #"80\d{6}|(?:1\d{3}|[2-7])\d{7}"#,
            fixedLine: #"[267][2-9]\d{6}"#,
            mobile: #"(?:[3-5]\d\d|80[0-4])\d{5}"#,
            otherValid: [
                #"19\d{9}"#,  // premium_rate
                #"18[01]\d{8}"#,  // toll_free
            ]),
        // El Salvador
        PhoneRegion(
            code: "SV", callingCode: "503",
            internationalPrefix: #"00"#,
            lengths: [7, 8, 11],
            general: #"[25-7]\d{7}|(?:80\d|900)\d{4}(?:\d{4})?"#,
            fixedLine: #"2(?:79(?:0[0347-9]|[1-9]\d)|89(?:0[024589]|[1-9]\d))\d{3}|2(?:[1-69]\d|[78][0-8])\d{5}"#,
            mobile: #"[5-7]\d{7}"#,
            otherValid: [
                #"900\d{4}(?:\d{4})?"#,  // premium_rate
                #"800\d{8}|80[01]\d{4}"#,  // toll_free
            ]),
        // Honduras
        PhoneRegion(
            code: "HN", callingCode: "504",
            internationalPrefix: #"00"#,
            lengths: [8, 11],
            general: #"8\d{10}|[237-9]\d{7}"#,
            fixedLine: #"2(?:2(?:0[0-59]|1[1-9]|[23]\d|4[02-8]|5[57]|6[2458]|7[0135689]|8[01346-9]|9[0-2])|4(?:0[578]|2[3-59]|3[13-9]|4[0-68]|5[1-3589]|80)|5(?:0[2357-9]|1[1-6]|4[03-58]|5\d|6[014-69]|7[04]|80)|6(?:[056]\d|17|2[067]|3[047]|4[0-378]|[78][0-8]|9[01])|7(?:0[5-79]|2[01]|6[46-9]|7[02-9]|8[034]|91)|8(?:79|8[0-357-9]|9[1-57-9]))\d{4}"#,
            mobile: #"[37-9]\d{7}"#,
            otherValid: [
                #"8002\d{7}"#,  // toll_free
            ]),
        // Nicaragua
        PhoneRegion(
            code: "NI", callingCode: "505",
            internationalPrefix: #"00"#,
            lengths: [8],
            general: #"(?:1800|[25-8]\d{3})\d{4}"#,
            fixedLine: #"2\d{7}"#,
            mobile: #"(?:5(?:5[0-7]|[78]\d)|6(?:20|3[035]|4[045]|5[05]|77|8[1-9]|9[059])|(?:7[5-8]|8\d)\d)\d{5}"#,
            otherValid: [
                #"1800\d{4}"#,  // toll_free
            ]),
        // Costa Rica
        PhoneRegion(
            code: "CR", callingCode: "506",
            internationalPrefix: #"00"#,
            // carrier selection codes (1900, 1910, …) dialled before the number
            nationalPrefix: #"(19(?:0[0-2468]|1[09]|20|66|77|99))"#,
            lengths: [8, 10],
            general: #"(?:8\d|90)\d{8}|(?:[24-8]\d{3}|3005)\d{4}"#,
            fixedLine: #"2(?:010|1(?:0[7-9]|[1-9]\d)|[24-7]\d\d)\d{4}"#,
            mobile: #"(?:3005\d|6500[01])\d{3}|(?:5[07]|6[0-4]|7[0-3]|8[3-9])\d{6}"#,
            otherValid: [
                #"90[059]\d{7}"#,  // premium_rate
                #"800\d{7}"#,  // toll_free
                #"(?:2(?:00[0-3]|10[0-6])|4\d{3}|5100)\d{4}"#,  // voip
            ]),
        // Mexico
        PhoneRegion(
            code: "MX", callingCode: "52",
            internationalPrefix: #"0[09]"#,
            // since 2019 the "1" after +52 is no longer dialled for mobiles, but people still write it
            mobileToken: "1",
            lengths: [10],
            general: #"[2-9]\d{9}"#,
            fixedLine: #"(?:2(?:0[01]|2\d|3[1-35-8]|4[13-9]|7[1-689]|8[1-578]|9[467])|3(?:1[1-79]|[2458][1-9]|3\d|7[1-8]|9[1-5])|4(?:1[1-57-9]|[267][1-9]|3[1-8]|[45]\d|8[1-35-9]|9[2-689])|5(?:[56]\d|88|9[1-79])|6(?:1[2-68]|[2-4][1-9]|5[1-36-9]|6[0-57-9]|7[1-7]|8[67]|9[4-8])|7(?:[1346][1-9]|[27]\d|5[13-9]|8[1-69]|9[17])|8(?:1\d|2[13-689]|3[1-6]|4[124-6]|6[1246-9]|7[0-378]|9[12479])|9(?:1[346-9]|2[1-4]|3[2-46-8]|5[1348]|[69]\d|7[12]|8[1-8]))\d{7}"#,
            mobile: #"(?:2(?:2\d|3[1-35-8]|4[13-9]|7[1-689]|8[1-578]|9[467])|3(?:1[1-79]|[2458][1-9]|3\d|7[1-8]|9[1-5])|4(?:1[1-57-9]|[267][1-9]|3[1-8]|[45]\d|8[1-35-9]|9[2-689])|5(?:[56]\d|88|9[1-79])|6(?:1[2-68]|[2-4][1-9]|5[1-36-9]|6[0-57-9]|7[1-7]|8[67]|9[4-8])|7(?:[1346][1-9]|[27]\d|5[13-9]|8[1-69]|9[17])|8(?:1\d|2[13-689]|3[1-6]|4[124-6]|6[1246-9]|7[0-378]|9[12479])|9(?:1[346-9]|2[1-4]|3[2-46-8]|5[1348]|[69]\d|7[12]|8[1-8]))\d{7}"#,
            otherValid: [
                #"900\d{7}"#,  // premium_rate
                #"8(?:00|88)\d{7}"#,  // toll_free
                #"300\d{7}"#,  // shared_cost
                #"500\d{7}"#,  // personal_number
            ]),
        // United States
        PhoneRegion(
            code: "US", callingCode: "1",
            internationalPrefix: #"011"#,
            nationalPrefix: #"1"#,  // trunk prefix: 1 (202) 555-0123
            lengths: [10],
            general: #"[2-9]\d{9}|3\d{6}"#,
            fixedLine: nanpUS,
            mobile: nanpUS,
            otherValid: [
                nanpPremium,  // premium_rate
                nanpTollFree,  // toll_free
                #"52(?:3(?:[2-46-9][02-9]\d|5(?:[02-46-9]\d|5[0-46-9]))|4(?:[2-478][02-9]\d|5(?:[034]\d|2[024-9]|5[0-46-9])|6(?:0[1-9]|[2-9]\d)|9(?:[05-9]\d|2[0-5]|49)))\d{4}|52[34][2-9]1[02-9]\d{4}|5(?:00|2[125-9]|3[23]|44|66|77|88)[2-9]\d{6}"#,  // personal_number
            ]),
        // Canada
        PhoneRegion(
            code: "CA", callingCode: "1",
            internationalPrefix: #"011"#,
            nationalPrefix: #"1"#,
            lengths: [7, 10],
            general: #"[2-9]\d{9}|3\d{6}"#,
            fixedLine: nanpCA,
            mobile: nanpCA,
            otherValid: [
                nanpPremium,  // premium_rate
                nanpTollFree,  // toll_free
                #"600[2-9]\d{6}"#,  // voip
                #"52(?:3(?:[2-46-9][02-9]\d|5(?:[02-46-9]\d|5[0-46-9]))|4(?:[2-478][02-9]\d|5(?:[034]\d|2[024-9]|5[0-46-9])|6(?:0[1-9]|[2-9]\d)|9(?:[05-9]\d|2[0-5]|49)))\d{4}|52[34][2-9]1[02-9]\d{4}|(?:5(?:2[125-9]|3[23]|44|66|77|88)|6(?:22|33))[2-9]\d{6}"#,  // personal_number
                #"310\d{4}"#,  // uan
            ]),
    ]

    // NANP area codes: the US and Canada each list their own; the plan does not tell
    // fixed from mobile, so the same pattern serves both (→ fixed_line_or_mobile).
    private static let nanpUS = #"983[2-57-9]\d{6}|(?:2(?:0[1-35-9]|1[02-9]|2[03-57-9]|3[1459]|4[08]|5[1-46]|6[0279]|7[02469]|8[13])|3(?:0[1-57-9]|1[02-9]|2[013-79]|3[0-24679]|4[167]|5[0-3]|6[01349]|8[056])|4(?:0[124-9]|1[02-579]|2[3-5]|3[0245]|4[023578]|58|6[349]|7[02589]|8[04])|5(?:0[1-57-9]|1[0235-8]|20|3[0149]|4[01]|5[179]|6[1-47]|7[0-5]|8[0256])|6(?:0[1-35-9]|1[024-9]|2[03689]|3[016]|4[0156]|5[01679]|6[0-279]|78|8[0-269])|7(?:0[1-46-8]|1[2-9]|2[04-8]|3[0-2478]|4[0378]|5[47]|6[02359]|7[0-59]|8[156])|8(?:0[1-68]|1[02-8]|2[0168]|3[0-2589]|4[03578]|5[046-9]|6[02-5]|7[028])|9(?:0[1346-9]|1[02-9]|2[0589]|3[0146-8]|4[01357-9]|5[12469]|7[0-3589]|8[04-69]))[2-9]\d{6}"#
    private static let nanpCA = #"(?:2(?:04|[23]6|[48]9|5[07]|[67]3)|3(?:06|43|54|6[578]|82)|4(?:03|1[68]|[26]8|3[178]|50|74)|5(?:06|1[49]|48|79|8[147])|6(?:04|[18]3|39|47|72)|7(?:0[59]|42|53|78|8[02])|8(?:[06]7|19|25|7[39])|9(?:0[25]|42))[2-9]\d{6}"#
    private static let nanpPremium = #"900[2-9]\d{6}"#
    private static let nanpTollFree = #"8(?:00|33|44|55|66|77|88)[2-9]\d{6}"#
}
